#!/usr/bin/env python3
"""Golden CIFAR fixtures from real CIFAR images: crates/kd-core/tests/fixtures/cifar/.

The wheel of `foolbox` 3.3.4 (MIT licence; PyPI) ships 20 real CIFAR-10 and 20 real CIFAR-100
images as PNG files, `foolbox/data/cifar10_<k>_<label>.png` and `cifar100_<k>_<label>.png`
(the label is the last number of the name; for CIFAR-100 it is the fine label). Their labels are
those of the first 20 images of the official test sets, so they appear to be those images.

This script decodes the PNGs (Pillow) and packs them, in the order of `k`, into the official
binary record layout of https://www.cs.toronto.edu/~kriz/cifar.html:

- CIFAR-10: 1 label byte, then 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each a 32x32
  plane in row-major order;
- CIFAR-100: 1 coarse label byte, 1 fine label byte, then the same 3072 bytes. The coarse label
  comes from the standard fine-to-superclass table below (the one the CIFAR-100 meta file
  defines; it is repeated in many public code bases).

It also writes `expected.txt`: per image, the label and the sha256 of the pixels exactly as the
PNG decodes them (height x width x RGB, "HWC"), so the Rust test checks its reader's CHW layout
against an independent decoding, not against this script's packing.

    pip download --no-deps foolbox==3.3.4        # -> foolbox-3.3.4-py3-none-any.whl
    pip install pillow                           # (in a virtual environment)
    python3 scripts/make_cifar_fixtures.py foolbox-3.3.4-py3-none-any.whl
"""

import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

from PIL import Image

WHEEL_SHA256 = "11049d515d38e765e206a73ace9cc648b81a0d6d1da9ad9057e149ee117989cb"
# CIFAR-100 fine label -> coarse label (superclass).
FINE_TO_COARSE = [
    4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11,
    6, 11, 5, 10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5,
    5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
    10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13,
    16, 19, 2, 4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13,
]


def images(wheel, prefix):
    """(k, label, HWC bytes) of every `foolbox/data/<prefix>_<k>_<label>.png`, sorted by k."""
    found = []
    for name in wheel.namelist():
        m = re.fullmatch(rf"foolbox/data/{prefix}_(\d+)_(\d+)\.png", name)
        if m:
            img = Image.open(io.BytesIO(wheel.read(name)))
            assert img.mode == "RGB" and img.size == (32, 32), (name, img.mode, img.size)
            found.append((int(m.group(1)), int(m.group(2)), img.tobytes()))
    found.sort()
    assert [k for k, _, _ in found] == list(range(20)), [k for k, _, _ in found]
    return found


def chw(hwc):
    return bytes(hwc[(p * 3) + c] for c in range(3) for p in range(32 * 32))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_cifar_fixtures.py foolbox-3.3.4-py3-none-any.whl")
    raw = Path(sys.argv[1]).read_bytes()
    if hashlib.sha256(raw).hexdigest() != WHEEL_SHA256:
        sys.exit(f"{sys.argv[1]} is not the foolbox 3.3.4 wheel this script was written for")
    wheel = zipfile.ZipFile(io.BytesIO(raw))
    out = Path(__file__).resolve().parent.parent / "crates/kd-core/tests/fixtures/cifar"
    out.mkdir(parents=True, exist_ok=True)
    expected = ["# dataset index label sha256(HWC RGB bytes as the PNG decodes)"]
    for prefix, fixture in (("cifar10", "cifar10_foolbox20.bin"), ("cifar100", "cifar100_foolbox20.bin")):
        records = bytearray()
        for k, label, hwc in images(wheel, prefix):
            if prefix == "cifar10":
                assert label < 10
                records += bytes([label])
            else:
                assert label < 100
                records += bytes([FINE_TO_COARSE[label], label])
            records += chw(hwc)
            expected.append(f"{prefix} {k} {label} {hashlib.sha256(hwc).hexdigest()}")
        (out / fixture).write_bytes(bytes(records))
    (out / "expected.txt").write_text("\n".join(expected) + "\n")
    for f in sorted(out.iterdir()):
        print(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.stat().st_size:>6}  {f.name}")


if __name__ == "__main__":
    main()
