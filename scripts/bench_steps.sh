#!/usr/bin/env bash
# Training-step speed, ours beside PyTorch's, in one run on the same cores:
#   bash scripts/bench_steps.sh [--threads N] [--steps N] [--only case,..] [--ops]
# Creates .venv-bench with PyTorch 2.15.0 from the package index the first time (about 5 GB,
# a minute or two), builds kd-bench, and writes results/perf/<machine>/steps.{csv,svg}. Not part
# of CI (no PyTorch there).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-bench
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.0" numpy
fi
model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
machine="$(echo "$model-$(nproc)cpu" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/-$//')"
out="results/perf/$machine"
cargo build --release -p kd-bench
./target/release/kd-bench --python "$venv/bin/python" --out "$out" "$@"
