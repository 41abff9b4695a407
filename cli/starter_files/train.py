"""A starter training script: fits y = a*x + b to the train channel's CSV files by gradient
descent, reports the loss on the validation channel, and saves the model.

SageMaker (and `sagemaker-byoc run-local`) passes job.yaml's hyperparameters as arguments
(--epochs 20 --lr 0.1), each input channel's folder as SM_CHANNEL_<NAME>, and collects what
the script writes to SM_MODEL_DIR into model.tar.gz.
"""

import argparse
import csv
import json
import os
from pathlib import Path


def read_points(channel):
    folder = Path(os.environ[f"SM_CHANNEL_{channel.upper()}"])
    points = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as rows:
            points += [(float(x), float(y)) for x, y in csv.reader(rows)]
    return points


def mean_squared_error(points, a, b):
    return sum((a * x + b - y) ** 2 for x, y in points) / len(points)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    train, validation = read_points("train"), read_points("validation")
    a = b = 0.0
    for epoch in range(args.epochs):
        grad_a = sum(2 * (a * x + b - y) * x for x, y in train) / len(train)
        grad_b = sum(2 * (a * x + b - y) for x, y in train) / len(train)
        a, b = a - args.lr * grad_a, b - args.lr * grad_b
        # job.yaml's metrics: read these lines from the job's logs into CloudWatch.
        print(f"epoch={epoch} train_loss={mean_squared_error(train, a, b):.6g}", flush=True)
    print(f"validation_loss={mean_squared_error(validation, a, b):.6g}", flush=True)

    model_dir = Path(os.environ["SM_MODEL_DIR"])
    (model_dir / "model.json").write_text(json.dumps({"a": a, "b": b}) + "\n")


if __name__ == "__main__":
    main()
