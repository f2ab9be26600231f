#!/usr/bin/env python3
"""Small SVHN-layout .mat fixtures for the reader's tests: crates/kd-core/tests/fixtures/svhn/.

SVHN's cropped digits (http://ufldl.stanford.edu/housenumbers/, `train_32x32.mat`,
`test_32x32.mat`) are MATLAB v5 files (MATLAB's default `-v7`, i.e. with zlib-compressed
variables) holding `X`, uint8 of size [32, 32, 3, N] (row, column, RGB channel, image; stored
column-major), and `y`, [N, 1] labels in 1..10 where 10 stands for the digit 0. No real SVHN
file is small enough to commit, so these fixtures are written with scipy's MAT writer in the same
layout, with pixel values given by a formula the Rust test recomputes:

    X[r, c, ch, n] = (7 r + 13 c + 61 ch + 101 n + 3) mod 256

Good files (read back exactly by the test):
- train_32x32.mat: N = 5, y uint8 [10, 1, 2, 9, 10], zlib-compressed (as MATLAB -v7 writes);
- test_32x32.mat:  N = 3, y double [3, 10, 7], uncompressed (plain v5 miMATRIX elements).
Bad files (each must give one clear error naming the file):
- bad_label.mat: a label 0 (out of 1..10); no_y.mat: no `y`; four_channels.mat: X [32, 32, 4, 2];
  count_mismatch.mat: 3 images, 2 labels; float_pixels.mat: X stored as double.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scipy numpy
    /tmp/venv/bin/python scripts/make_svhn_fixtures.py
"""

import hashlib
from pathlib import Path

import numpy as np
import scipy
import scipy.io


def pixels(n, channels=3):
    r, c, ch, k = np.meshgrid(np.arange(32), np.arange(32), np.arange(channels), np.arange(n),
                              indexing="ij")
    return ((7 * r + 13 * c + 61 * ch + 101 * k + 3) % 256).astype(np.uint8)


def save(path, variables, compress):
    # oned_as='column' keeps y as [N, 1], as in the real files.
    scipy.io.savemat(path, variables, do_compression=compress, oned_as="column", format="5")


def main():
    out = Path(__file__).resolve().parent.parent / "crates/kd-core/tests/fixtures/svhn"
    out.mkdir(parents=True, exist_ok=True)
    labels = lambda values, dtype: np.array(values, dtype=dtype).reshape(-1, 1)
    save(out / "train_32x32.mat", {"X": pixels(5), "y": labels([10, 1, 2, 9, 10], np.uint8)}, True)
    save(out / "test_32x32.mat", {"X": pixels(3), "y": labels([3, 10, 7], np.float64)}, False)
    save(out / "bad_label.mat", {"X": pixels(2), "y": labels([4, 0], np.uint8)}, True)
    save(out / "no_y.mat", {"X": pixels(2)}, True)
    save(out / "four_channels.mat", {"X": pixels(2, 4), "y": labels([1, 2], np.uint8)}, True)
    save(out / "count_mismatch.mat", {"X": pixels(3), "y": labels([1, 2], np.uint8)}, True)
    save(out / "float_pixels.mat", {"X": pixels(2).astype(np.float64), "y": labels([1, 2], np.uint8)}, True)
    print(f"scipy {scipy.__version__}, numpy {np.__version__}")
    for f in sorted(out.glob("*.mat")):
        print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.stat().st_size:>6}  {f.name}")


if __name__ == "__main__":
    main()
