"""Talking to SageMaker: submit (submit/training.py, submit/tuning.py) behind the stale-image
guard (submit/image_guard.py), and status, logs and stop for a started job (submit/job_commands.py)."""
