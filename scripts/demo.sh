#!/usr/bin/env bash
# The main job, for now: build a few cases through the workflow on the demo tenant's rules and
# print their folded state and deadlines. (Later issues make this the sync server + the app.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo run --release -q -p gridcase-core --example demo
