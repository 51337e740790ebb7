#!/usr/bin/env bash
# The main job, for now: generate the demo tenant (兰州市城关区 620102, synthetic geometry) into
# target/demo-tenant, then build a few cases through the workflow on its rules and print their
# folded state and deadlines. (Issue 4/5 make this the sync server + the desktop app.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo run --release -q -p gridcase-core --example gen_demo -- target/demo-tenant 2026
cargo run --release -q -p gridcase-core --example demo
