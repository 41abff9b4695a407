"""Placeholder baked into the generic image: the real train.py arrives in the `scripts` channel.

The shim replaces /opt/ml/code with the directory named by sagemaker_submit_directory before it
starts the entry point, so this file runs only when the channel delivered no code.
"""

import sys

sys.exit("no training script was delivered: upload train.py to the 'scripts' channel")
