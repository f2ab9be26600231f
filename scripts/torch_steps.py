#!/usr/bin/env python3
"""PyTorch twin of `kd-bench`'s training steps: the same nets, batch, optimiser, dropout,
max-norm, augmentation and losses, timed the same way (median ms of `--steps` steps after
`--warmup`, each step ending with a host read-back). Prints JSON {case: median ms} on stdout.

Run through scripts/bench_steps.sh (which creates the PyTorch environment), or directly with a
Python that has torch: python3 scripts/torch_steps.py --threads 2 --only mlp-teacher
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import forward_ad as fwad

BATCH = 128


def mlp(widths, p_in=0.0, p_hidden=0.0):
    layers = []
    if p_in > 0:
        layers.append(nn.Dropout(p_in))
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
            if p_hidden > 0:
                layers.append(nn.Dropout(p_hidden))
    return nn.Sequential(*layers)


def max_norm_(model, c):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                norms = m.weight.norm(dim=1, keepdim=True).clamp_min(1e-12)
                m.weight.mul_((c / norms).clamp(max=1.0))


PLANE_CIFAR10 = {
    2: [16, "M", 16, "M"],
    4: [16, 16, "M", 32, 32, "M"],
    10: [32, 32, "M", 64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", ("fc", 128)],
}


def plane(depth, classes=10):
    layers, ch, size, fc_in = [], 3, 32, None
    hidden = []
    for spec in PLANE_CIFAR10[depth]:
        if spec == "M":
            layers.append(nn.MaxPool2d(2))
            size //= 2
        elif isinstance(spec, tuple):
            hidden.append(spec[1])
        else:
            layers += [nn.Conv2d(ch, spec, 3, padding=1), nn.BatchNorm2d(spec), nn.ReLU()]
            ch = spec
    layers.append(nn.Flatten())
    fc_in = ch * size * size
    for h in hidden:
        layers += [nn.Linear(fc_in, h), nn.ReLU()]
        fc_in = h
    layers.append(nn.Linear(fc_in, classes))
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, shortcut):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.kind = shortcut if (stride != 1 or cin != cout) else None
        self.pad = cout - cin
        if self.kind == "B":
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        out = self.b2(self.c2(out))
        if self.kind == "B":
            sc = self.proj(x)
        elif self.kind == "A":
            sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 0, self.pad))
        else:
            sc = x
        return F.relu(out + sc)


class ResNet(nn.Module):
    def __init__(self, depth, shortcut, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for i, c in enumerate([16, 32, 64]):
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(Block(cin, c, stride, shortcut))
                cin = c
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def lenet5(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, classes),
    )


def crop_flip(x, pad=4):
    """Random crops of the zero-padded batch and horizontal flips, per sample."""
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (b,)).tolist()
    ox = torch.randint(0, 2 * pad + 1, (b,)).tolist()
    out = torch.stack([padded[i, :, oy[i]:oy[i] + h, ox[i]:ox[i] + w] for i in range(b)])
    flip = torch.rand(b) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def kd_loss(s, t, temperature, hard_weight, y):
    soft = F.kl_div(F.log_softmax(s / temperature, 1), F.softmax(t / temperature, 1),
                    reduction="batchmean") * temperature ** 2
    return soft * (1 - hard_weight) + F.cross_entropy(s, y) * hard_weight


def case_step(name):
    """The step function of a case (closes over its model, data and optimiser)."""
    torch.manual_seed(1)
    y = torch.arange(BATCH) % 10
    if name.startswith("mlp") or name == "sobolev-jvp":
        pixels = torch.randint(0, 256, (BATCH, 784), dtype=torch.uint8)
        batch = lambda: pixels.float() / 255.0
        nesterov = dict(lr=0.01, momentum=0.9, nesterov=True)
        if name == "mlp-teacher":
            model = mlp([784, 1200, 1200, 10], 0.2, 0.5).train()
            opt = torch.optim.SGD(model.parameters(), **nesterov)

            def step():
                loss = F.cross_entropy(model(batch()), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                max_norm_(model, 3.5)
                return loss.item()
            return step
        teacher = mlp([784, 1200, 1200, 10]).eval()
        if name == "sobolev-jvp":
            model = mlp([784, 300, 300, 10]).train()
            opt = torch.optim.SGD(model.parameters(), **nesterov)
            with torch.no_grad():
                cached = teacher(batch())

            def step():
                x = batch()
                v = torch.randn(BATCH, 784)
                v = v / v.norm(dim=1, keepdim=True)
                with torch.no_grad(), fwad.dual_level():
                    tj = fwad.unpack_dual(teacher(fwad.make_dual(x, v))).tangent
                with fwad.dual_level():
                    out = fwad.unpack_dual(model(fwad.make_dual(x, v)))
                    s, sj = out.primal, out.tangent
                    jac = (sj - tj).pow(2).sum() / tj.pow(2).sum().clamp_min(1e-12)
                    loss = kd_loss(s, cached, 4.0, 0.0, y) + jac
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                return loss.item()
            return step
        model = mlp([784, 800, 800, 10]).train()
        opt = torch.optim.SGD(model.parameters(), **nesterov)
        with torch.no_grad():
            table = teacher(batch())
        index = torch.arange(BATCH)

        def step():
            x = batch()
            if name == "mlp-student-hard":
                loss = F.cross_entropy(model(x), y)
            elif name == "mlp-student-distilled-cached":
                loss = kd_loss(model(x), table[index], 20.0, 0.1, y)
            else:  # live
                with torch.no_grad():
                    t = teacher(x)
                loss = kd_loss(model(x), t, 20.0, 0.1, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss.item()
        return step
    if name == "lenet5":
        pixels = torch.randint(0, 256, (BATCH, 1, 28, 28), dtype=torch.uint8)
        model, augment = lenet5(), (lambda x: x)
    else:
        pixels = torch.randint(0, 256, (BATCH, 3, 32, 32), dtype=torch.uint8)
        augment = crop_flip
        model = {
            "plane2": lambda: plane(2), "plane4": lambda: plane(4), "plane10": lambda: plane(10),
            "resnet8": lambda: ResNet(8, "A"), "resnet20": lambda: ResNet(20, "B"),
            "resnet56": lambda: ResNet(56, "B"),
        }[name]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step():
        loss = F.cross_entropy(model(augment(pixels.float() / 255.0)), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


OPS = {
    "conv3-16@32": ("conv", 3, 16, 32), "conv16-16@32": ("conv", 16, 16, 32),
    "conv32-32@16": ("conv", 32, 32, 16), "conv64-64@8": ("conv", 64, 64, 8),
    "conv128-128@8": ("conv", 128, 128, 8), "conv256-256@4": ("conv", 256, 256, 4),
    "batchnorm16@32": ("bn", 16, 16, 32), "relu16@32": ("relu", 16, 16, 32),
    "maxpool16@32": ("pool", 16, 16, 32), "linear784-800": ("linear", 784, 800, 0),
}


def time_op(name, warmup, steps):
    """Median ms of forward, backward to the input only, backward to the parameters only (the
    backward figures as differences from the forward), like kd-bench's --ops."""
    kind, cin, cout, size = OPS[name]
    shape = (BATCH, cin) if kind == "linear" else (BATCH, cin, size, size)
    values = (torch.arange(int(torch.tensor(shape).prod())) * 7919 % 1000).float() / 500 - 1
    layer = {"conv": lambda: nn.Conv2d(cin, cout, 3, padding=1), "bn": lambda: nn.BatchNorm2d(cin),
             "relu": lambda: nn.ReLU(), "pool": lambda: nn.MaxPool2d(2),
             "linear": lambda: nn.Linear(cin, cout)}[kind]().train()
    params = list(layer.parameters())

    def run(pass_):
        x = values.reshape(shape).clone().requires_grad_(pass_ != "param")
        for p in params:
            p.requires_grad_(pass_ == "param")
        t = time.perf_counter()
        loss = layer(x).sum()
        if pass_ == "forward":
            loss.item()
            return (time.perf_counter() - t) * 1e3
        loss.backward()
        return (time.perf_counter() - t) * 1e3

    def median(pass_):
        for _ in range(warmup):
            run(pass_)
        return statistics.median(run(pass_) for _ in range(steps))

    fwd = median("forward")
    return [fwd, median("input") - fwd, (median("param") - fwd) if params else None]


CASES = ["mlp-teacher", "mlp-student-hard", "mlp-student-distilled-cached",
         "mlp-student-distilled-live", "sobolev-jvp", "lenet5", "plane2", "plane4", "plane10",
         "resnet8", "resnet20", "resnet56"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default=None)
    ap.add_argument("--ops", action="store_true", help="time single layers (see OPS) instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # Ours flushes subnormals to zero (kd_core::perf); the same numeric setting here.
    torch.set_flush_denormal(True)
    out = {}
    if args.ops:
        for name in (args.only.split(",") if args.only else OPS):
            if name not in OPS:
                sys.exit(f"unknown op {name}; choose from {', '.join(OPS)}")
            out[name] = time_op(name, args.warmup, args.steps)
            print(f"torch {name:<20} {out[name]}", file=sys.stderr)
        json.dump(out, sys.stdout)
        return
    for name in (args.only.split(",") if args.only else CASES):
        if name not in CASES:
            sys.exit(f"unknown case {name}; choose from {', '.join(CASES)}")
        step = case_step(name)
        for _ in range(args.warmup):
            step()
        times = []
        for _ in range(args.steps):
            t = time.perf_counter()
            step()
            times.append((time.perf_counter() - t) * 1e3)
        out[name] = statistics.median(times)
        print(f"torch {name:<30} {out[name]:9.2f} ms", file=sys.stderr)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
