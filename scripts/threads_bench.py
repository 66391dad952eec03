"""Seconds per epoch of a hand-written training loop on the digits network (64-128-64-10,
batch 64, SGD) with BLAS's default thread count against one thread, idle and under load.

    python scripts/threads_bench.py [--epochs 5] [--busy 4]

``--busy N`` also runs each setting with N busy-looping processes beside it (the issue saw
5.67 s/epoch at load ~4 on 2 cores). The busy processes stop by themselves after 120 s and
are ended when the measurement is done. Prints one line per setting: the median epoch time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time

import numpy as np

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor, nn, optim


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def epoch_times(epochs: int) -> list[float]:
    """Median-ready list of seconds per epoch for the digits network, from a fixed seed."""
    data = tm.data.load_dataset("digits", np.random.default_rng(0))
    x, y = data.x_train.astype(np.float32), data.y_train
    model = nn.MLP(64, [128, 64], 10, rng=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=0.05)
    order_rng = np.random.default_rng(1)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = order_rng.permutation(len(x))
        for i in range(0, len(x), 64):
            batch = order[i : i + 64]
            loss = F.cross_entropy(model(Tensor.from_numpy(x[batch])), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()
    default = tm.get_num_threads()
    for busy in sorted({0, args.busy}):
        for threads in (default, 1):
            tm.set_num_threads(threads or 1)
            spinners = [mp.Process(target=_spin, args=(120.0,)) for _ in range(busy)]
            for p in spinners:
                p.start()
            try:
                t = epoch_times(args.epochs)
            finally:
                for p in spinners:
                    p.terminate()
                    p.join()
            print(
                f"threads={threads} (default {default}) busy={busy}: "
                f"median {statistics.median(t):.3f} s/epoch, max {max(t):.3f}"
            )
    tm.set_num_threads(default or 1)


if __name__ == "__main__":
    main()
