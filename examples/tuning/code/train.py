"""Fits y = a*x + b to the train channel's CSV by gradient descent and reports the loss on the
validation channel: a few milliseconds of work whose result depends on every tuned value."""

import argparse
import csv
import json
import os
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--optimizer", choices=["sgd", "momentum"], default="sgd")
    parser.add_argument("--batch-size", type=int, default=8)
    return parser.parse_args()


def read_points(channel):
    directory = Path(os.environ[f"SM_CHANNEL_{channel.upper()}"])
    points = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(newline="") as handle:
            points += [(float(x), float(y)) for x, y in csv.reader(handle)]
    return points


def loss(points, a, b):
    return sum((a * x + b - y) ** 2 for x, y in points) / len(points)


def main():
    args = parse_args()
    train, validation = read_points("train"), read_points("validation")
    a = b = velocity_a = velocity_b = 0.0
    beta = 0.9 if args.optimizer == "momentum" else 0.0
    for epoch in range(args.epochs):
        for start in range(0, len(train), args.batch_size):
            batch = train[start : start + args.batch_size]
            grad_a = sum(2 * (a * x + b - y) * x for x, y in batch) / len(batch)
            grad_b = sum(2 * (a * x + b - y) for x, y in batch) / len(batch)
            velocity_a = beta * velocity_a + grad_a
            velocity_b = beta * velocity_b + grad_b
            a, b = a - args.lr * velocity_a, b - args.lr * velocity_b
        print(f"epoch {epoch}: train_loss={min(loss(train, a, b), 1e30):.6g}", flush=True)
    print(f"validation_loss={min(loss(validation, a, b), 1e30):.6g}", flush=True)
    model_dir = Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "model.json").write_text(json.dumps({"a": a, "b": b}) + "\n")


if __name__ == "__main__":
    main()
