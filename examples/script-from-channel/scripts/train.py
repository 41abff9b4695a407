"""A random-forest training script delivered through the `scripts` channel."""

import argparse
import csv
import os
import pickle
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=10)
    parser.add_argument("--max-depth", type=int, default=None)
    return parser.parse_args()


def load(directory):
    rows = []
    for path in sorted(Path(directory).glob("*.csv")):
        with path.open() as handle:
            rows += [[float(x) for x in row] for row in csv.reader(handle) if row and not row[0].startswith("#")]
    return [row[:-1] for row in rows], [int(row[-1]) for row in rows]


def main():
    args = parse_args()
    features, labels = load(os.environ["SM_CHANNEL_TRAIN"])
    try:
        from sklearn.ensemble import RandomForestClassifier
    except ImportError:
        print(f"scikit-learn is not installed: {len(features)} rows read, nothing trained")
        model = {"rows": len(features)}
    else:
        model = RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=0)
        model.fit(features, labels)
        print(f"accuracy: {model.score(features, labels):.4f}")
    model_dir = Path(os.environ["SM_MODEL_DIR"])
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / "model.pkl").open("wb") as handle:
        pickle.dump(model, handle)


if __name__ == "__main__":
    main()
