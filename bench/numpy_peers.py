"""NumPy peers of jitflow bench --peers, each printed as one figure:
  python3 bench/numpy_peers.py step   B5's training step (784-128-10 relu, softmax cross-entropy,
                                      SGD 0.01, batch 128): "steps/s <median of 7 timed blocks>"
  python3 bench/numpy_peers.py add    B3's eager add of two 4-element float32 arrays: "us <median per add>"
"""
import sys
import time
import timeit

import numpy as np


def step_rate():
    rng = np.random.default_rng(1)
    w1 = rng.normal(0, 0.05, (784, 128)).astype(np.float32)
    b1 = np.zeros(128, np.float32)
    w2 = rng.normal(0, 0.05, (128, 10)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    x = rng.uniform(0, 1, (128, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 128)
    one_hot = np.eye(10, dtype=np.float32)[labels]

    def step():
        nonlocal w1, b1, w2, b2
        h_pre = x @ w1 + b1
        h = np.maximum(h_pre, 0)
        logits = h @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(log_p * one_hot).sum(axis=1).mean()
        d_logits = (np.exp(log_p) - one_hot) / len(x)
        d_h = (d_logits @ w2.T) * (h_pre > 0)
        w2 = w2 - 0.01 * (h.T @ d_logits)
        b2 = b2 - 0.01 * d_logits.sum(axis=0)
        w1 = w1 - 0.01 * (x.T @ d_h)
        b1 = b1 - 0.01 * d_h.sum(axis=0)
        return loss

    deadline = time.perf_counter() + 2
    while time.perf_counter() < deadline:
        step()
    rates = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(50):
            step()
        rates.append(50 / (time.perf_counter() - start))
    return sorted(rates)[3]


def add_micros():
    a = np.array([1, 2, 3, 4], np.float32)
    b = np.array([5, 6, 7, 8], np.float32)
    times = timeit.repeat("a + b", globals={"a": a, "b": b}, number=200_000, repeat=7)
    return sorted(times)[3] / 200_000 * 1e6


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("step", "add"):
        sys.exit(__doc__)
    if sys.argv[1] == "step":
        print(f"steps/s {step_rate():.1f}")
    else:
        print(f"us {add_micros():.4f}")
