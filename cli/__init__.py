"""The command line: sagemaker-byoc's commands (cli/main.py) and the starter that `init` writes (cli/starter.py)."""
