"""A linear model trained with DistributedDataParallel over gloo (CPU).

torchrun sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; each rank trains on its own shard
of a synthetic data set, DDP averages the gradients, and rank 0 saves the model.
"""

import argparse
import json
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    inputs = torch.randn(256, 4)
    targets = inputs @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    shard = slice(rank, None, world)
    model = DistributedDataParallel(torch.nn.Linear(4, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        for start in range(0, inputs[shard].shape[0], 32):
            batch, wanted = inputs[shard][start : start + 32], targets[shard][start : start + 32]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(batch), wanted)
            loss.backward()
            optimizer.step()
        total = loss.detach().clone()
        dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch}: loss: {total.item() / world:.5f}", flush=True)
    if rank == 0:
        weights = model.module.weight.detach().flatten().tolist()
        with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as out:
            json.dump({"weights": weights, "world_size": world, "host": os.environ["SM_CURRENT_HOST"]}, out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
