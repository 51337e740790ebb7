#!/usr/bin/env bash
# The main job: the sync server with the demo tenant (兰州市城关区 620102, synthetic geometry) on
# the embedded SQLite default. First prints a few demo cases folded through the workflow on the
# tenant's example rules, then generates + imports the demo tenant and serves on
# http://127.0.0.1:8470 (GRIDCASE_LISTEN to change) until Ctrl-C. Every demo account's password
# is `gridcase-demo` (GRIDCASE_DEMO_PASSWORD to change); users are listed in
# gridcase-data/demo-620102/users.csv. (The desktop app joins with issue 5.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo run --release -q -p gridcase-core --example demo
export GRIDCASE_DATA_DIR="${GRIDCASE_DATA_DIR:-$PWD/gridcase-data}"
echo "==> gridcase-server demo (data in $GRIDCASE_DATA_DIR)"
exec cargo run --release -q -p gridcase-server -- demo
