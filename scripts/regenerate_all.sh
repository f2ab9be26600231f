#!/usr/bin/env bash
# Regenerates every committed result from scratch (fresh run store) and the README tables.
# About 2 x 15 minutes on 2 cores. Usage: scripts/regenerate_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export KD_OFFLINE=1
runs="$(mktemp -d)"
trap 'rm -rf "$runs"' EXIT
cargo build --release -p repro-hinton2015
bin=./target/release/repro-hinton2015
$bin --profile smoke --runs-dir "$runs" --out results/hinton2015/smoke
$bin --profile cpu --runs-dir "$runs" --out results/hinton2015/cpu
$bin --profile cpu --dataset fashion-mnist --runs-dir "$runs" --out results/hinton2015/cpu-fashion
python3 scripts/update_readme.py
