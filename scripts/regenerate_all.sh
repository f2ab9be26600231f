#!/usr/bin/env bash
# Regenerates every committed result from scratch and the README tables: about 2 x 15 minutes
# on 2 cores. The trained models go to a fresh run store, runs/regenerate/, which stays after
# the script (so a change to reporting alone can be re-run in seconds with the same models).
# The fashion-mnist step needs the Debian package: apt-get install -y dataset-fashion-mnist.
# Usage: scripts/regenerate_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export KD_OFFLINE=1
runs=runs/regenerate
rm -rf "$runs"
# The same build as CI's, so the smoke comparison runs the very same binary.
cargo build --release --workspace --all-targets
bin=./target/release/repro-hinton2015
$bin --profile smoke --runs-dir "$runs" --out results/hinton2015/smoke
$bin --profile cpu --runs-dir "$runs" --out results/hinton2015/cpu
$bin --profile cpu --dataset fashion-mnist --runs-dir "$runs" --out results/hinton2015/cpu-fashion
python3 scripts/update_readme.py
