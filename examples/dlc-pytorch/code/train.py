"""PyTorch on an AWS Deep Learning Container: torch comes with the base image, so job.yaml
installs nothing. Fits y = 3x + 1 to synthetic points and saves the weights to SM_MODEL_DIR.

SageMaker runs `train`, the sagemaker-byoc shim, which runs this script with job.yaml's
hyperparameters as arguments (--epochs 20 --lr 0.1), as the DLC's own toolkit would.
"""

import argparse
import json
import os
from pathlib import Path

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    torch.manual_seed(0)
    inputs = torch.rand(128, 1) * 2
    targets = 3 * inputs + 1
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
        # job.yaml's metrics read these lines from the job's log.
        print(f"epoch={epoch} train_loss={loss.item():.6g}", flush=True)

    weights = {"a": model.weight.item(), "b": model.bias.item(), "torch": torch.__version__}
    (Path(os.environ["SM_MODEL_DIR"]) / "model.json").write_text(json.dumps(weights) + "\n")


if __name__ == "__main__":
    main()
