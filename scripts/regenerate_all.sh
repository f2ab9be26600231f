#!/usr/bin/env bash
# Regenerates every committed result from scratch and the README tables: about 50 minutes on
# 2 cores. The trained models go to a fresh run store, runs/regenerate/, which stays after
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
hinton=./target/release/repro-hinton2015
$hinton --profile smoke --runs-dir "$runs" --out results/hinton2015/smoke
$hinton --profile cpu --runs-dir "$runs" --out results/hinton2015/cpu
$hinton --profile cpu --dataset fashion-mnist --runs-dir "$runs" --out results/hinton2015/cpu-fashion
sobolev=./target/release/repro-sobolev
$sobolev --profile smoke --runs-dir "$runs" --out results/sobolev/smoke
$sobolev --profile cpu --runs-dir "$runs" --out results/sobolev/cpu
python3 scripts/update_readme.py
