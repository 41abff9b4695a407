"""A starter PyTorch training script: fits y = a*x + b to the train channel's CSV files, on
the GPU when there is one, and with DistributedDataParallel over every process when the job
is distributed (torchrun sets WORLD_SIZE, RANK and LOCAL_RANK); rank 0 reports and saves.

SageMaker (and `sagemaker-byoc run-local`) passes job.yaml's hyperparameters as arguments
(--epochs 20 --lr 0.1), each input channel's folder as SM_CHANNEL_<NAME>, and collects what
the script writes to SM_MODEL_DIR into model.tar.gz.
"""

import argparse
import csv
import json
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def read_points(channel, device):
    folder = Path(os.environ[f"SM_CHANNEL_{channel.upper()}"])
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as handle:
            rows += [(float(x), float(y)) for x, y in csv.reader(handle)]
    points = torch.tensor(rows, device=device)
    return points[:, :1], points[:, 1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    distributed = "WORLD_SIZE" in os.environ
    gpu = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if gpu else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if gpu else "cpu")

    inputs, targets = read_points("train", device)
    inputs, targets = inputs[rank::world], targets[rank::world]  # each rank its own shard
    model = torch.nn.Linear(1, 1).to(device)
    if distributed:
        model = DistributedDataParallel(model, device_ids=[local_rank] if gpu else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), targets)
        loss.backward()  # DDP averages the gradients of every rank here
        optimizer.step()
        total = loss.detach().clone()
        if distributed:
            dist.all_reduce(total)
        if rank == 0:
            # job.yaml's metrics: read these lines from the job's logs into CloudWatch.
            print(f"epoch={epoch} train_loss={total.item() / world:.6g}", flush=True)

    if rank == 0:
        plain = model.module if distributed else model
        with torch.no_grad():
            val_inputs, val_targets = read_points("validation", device)
            print(f"validation_loss={torch.nn.functional.mse_loss(plain(val_inputs), val_targets).item():.6g}", flush=True)
        weights = {"a": plain.weight.item(), "b": plain.bias.item(), "world_size": world}
        (Path(os.environ["SM_MODEL_DIR"]) / "model.json").write_text(json.dumps(weights) + "\n")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
