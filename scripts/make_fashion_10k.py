#!/usr/bin/env python3
"""Build data/fashion-10k: 10,000 real Fashion-MNIST images bundled for offline use.

Run once; the output is committed. The input is the official Fashion-MNIST files as the Debian
package `dataset-fashion-mnist` installs them:

    apt-get install -y dataset-fashion-mnist     # -> /usr/share/datasets/fashion-mnist
    python3 scripts/make_fashion_10k.py [DIR]    # DIR defaults to that directory

Debian recompresses the upstream .gz files, so the script checks the sha256 of the decompressed
IDX bytes (the same pins as the `fashion-mnist` entry of crates/kd-core/src/data/registry.rs)
before using them.

Unlike mnist-10k (whose source holds 10,000 digits of unknown origin, split 8,000 / 2,000 here),
Fashion-MNIST's own split is known, so it is kept: 8,000 training images are drawn from the
official training set and 2,000 test images from the official test set, stratified by class
(800 and 200 per class; both official sets are balanced), with a fixed seed; each part is then
shuffled with the same random stream (so the files are not sorted by class). No test image can
end up in the training part. Output: the four IDX files, gzipped (mtime 0, level 9), which makes
them reproducible byte for byte; the script prints their sha256.
"""

import gzip
import hashlib
import random
import struct
import sys
from pathlib import Path

SEED = 20150309
PER_CLASS = {"train": 800, "t10k": 200}
ROWS = COLS = 28
# sha256 of the decompressed official IDX files (Zalando Research, fashion-mnist).
CONTENT_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def read_verified(path):
    data = gzip.open(path).read()
    got = hashlib.sha256(data).hexdigest()
    if got != CONTENT_SHA256[path.name]:
        sys.exit(f"{path}: decompressed sha256 {got} is not the official file's; reinstall "
                 "dataset-fashion-mnist")
    return data


def parse_idx(data, ndims):
    assert data[:4] == bytes([0, 0, 0x08, ndims]), data[:4]
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    body = data[4 + 4 * ndims:]
    n = 1
    for d in dims:
        n *= d
    assert len(body) == n, (dims, len(body))
    return dims, body


def idx_bytes(dims, data):
    header = bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return header + bytes(data)


def write_gz(path, payload):
    # mtime=0 and an empty name make the .gz byte-for-byte reproducible; written to a temporary
    # name and renamed, so an interrupted run leaves no half-written file.
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)
    tmp.replace(path)


def main():
    if len(sys.argv) > 2:
        sys.exit("usage: make_fashion_10k.py [DIR with the official Fashion-MNIST .gz files]")
    src = Path(sys.argv[1] if len(sys.argv) == 2 else "/usr/share/datasets/fashion-mnist")
    out = Path(__file__).resolve().parent.parent / "data" / "fashion-10k"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    for prefix in ("train", "t10k"):
        (count, rows, cols), pixels = parse_idx(read_verified(src / f"{prefix}-images-idx3-ubyte.gz"), 3)
        (nlab,), labels = parse_idx(read_verified(src / f"{prefix}-labels-idx1-ubyte.gz"), 1)
        assert (rows, cols) == (ROWS, COLS) and count == nlab, (count, rows, cols, nlab)
        chosen = []
        for cls in range(10):
            members = [i for i in range(count) if labels[i] == cls]
            rng.shuffle(members)
            chosen += members[:PER_CLASS[prefix]]
        chosen.sort()
        rng.shuffle(chosen)
        size = rows * cols
        assert len(chosen) == 10 * PER_CLASS[prefix]
        images = b"".join(pixels[i * size:(i + 1) * size] for i in chosen)
        write_gz(out / f"{prefix}-images-idx3-ubyte.gz", idx_bytes([len(chosen), rows, cols], images))
        write_gz(out / f"{prefix}-labels-idx1-ubyte.gz", idx_bytes([len(chosen)], [labels[i] for i in chosen]))
    for f in sorted(out.glob("*.gz")):
        print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}")


if __name__ == "__main__":
    main()
