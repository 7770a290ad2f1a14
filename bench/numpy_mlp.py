"""The MNIST 784-128-10 relu network of the Keras example (softmax cross-entropy, Adam with Keras's
defaults, batch 32) written in plain NumPy, to compare training throughput with Jitflow's on the
same machine: python3 bench/numpy_mlp.py [epochs]. Prints samples per second per epoch."""
import gzip
import struct
import sys
import time

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    root = "examples/data/mnist-10k/"
    x = idx(root + "train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = idx(root + "train-labels-idx1-ubyte.gz").astype(np.int64)
    rng = np.random.default_rng(0)
    limit1 = np.sqrt(6 / (784 + 128))
    limit2 = np.sqrt(6 / (128 + 10))
    params = [rng.uniform(-limit1, limit1, (784, 128)).astype(np.float32), np.zeros(128, np.float32),
              rng.uniform(-limit2, limit2, (128, 10)).astype(np.float32), np.zeros(10, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
    t = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        start = time.perf_counter()
        for i in range(0, len(x), 32):
            idx_ = order[i:i + 32]
            xb, yb = x[idx_], y[idx_]
            w1, b1_, w2, b2_ = params
            h_pre = xb @ w1 + b1_
            h = np.maximum(h_pre, 0)
            logits = h @ w2 + b2_
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            n = len(xb)
            d_logits = p
            d_logits[np.arange(n), yb] -= 1
            d_logits /= n
            grads = [None, None, h.T @ d_logits, d_logits.sum(axis=0)]
            d_h = (d_logits @ w2.T) * (h_pre > 0)
            grads[0] = xb.T @ d_h
            grads[1] = d_h.sum(axis=0)
            t += 1
            lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            for k in range(4):
                m[k] = b1 * m[k] + (1 - b1) * grads[k]
                v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
                params[k] -= lr_t * m[k] / (np.sqrt(v[k]) + eps)
        seconds = time.perf_counter() - start
        print(f"epoch {epoch + 1}: {len(x) / seconds:.0f} samples/s")


if __name__ == "__main__":
    main()
