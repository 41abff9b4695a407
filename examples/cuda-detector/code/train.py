"""Detector training skeleton that survives spot interruptions.

It saves a checkpoint after every epoch into the checkpoint directory (SageMaker syncs it with
S3) and on SIGTERM, and resumes from the newest checkpoint when the job restarts. The model is a
torchvision Faster R-CNN when torch is installed; the loop below is what matters for spot.
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

CHECKPOINTS = Path(os.environ.get("CHECKPOINT_DIR", "/opt/ml/checkpoints"))
stop_requested = False


def flag(text):
    """Booleans arrive as Python writes them (True/False), like every non-string hyperparameter."""
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {text!r}")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--image-size", type=json.loads, default=[640, 640])
    parser.add_argument("--freeze-backbone", type=flag, default=False)
    parser.add_argument("--epoch-seconds", type=float, default=0.2)
    return parser.parse_args()


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True
    print("SIGTERM received: saving a checkpoint before exiting", flush=True)


def latest_checkpoint():
    path = CHECKPOINTS / "state.json"
    return json.loads(path.read_text()) if path.is_file() else None


def save_checkpoint(state):
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    temporary = CHECKPOINTS / "state.json.tmp"
    temporary.write_text(json.dumps(state))
    temporary.replace(CHECKPOINTS / "state.json")


def build_model(args):
    try:
        import torchvision
    except ImportError:
        print("torch is not installed: training the loop without a model", flush=True)
        return None
    weights_backbone = None if args.freeze_backbone is False else "DEFAULT"
    return torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, weights_backbone=weights_backbone)


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    build_model(args)
    state = latest_checkpoint() or {"epoch": 0, "loss": 1.0}
    if state["epoch"]:
        print(f"resuming from checkpoint at epoch {state['epoch']}", flush=True)
    while state["epoch"] < args.epochs:
        time.sleep(args.epoch_seconds)
        state = {"epoch": state["epoch"] + 1, "loss": state["loss"] * (1 - args.lr * 10)}
        save_checkpoint(state)
        print(f"epoch {state['epoch']} train_loss={state['loss']:.5f} val_map={1 - state['loss']:.5f}", flush=True)
        if stop_requested:
            sys.exit(143)
    model_dir = Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "detector.json").write_text(json.dumps(state) + "\n")


if __name__ == "__main__":
    main()
