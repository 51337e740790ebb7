#!/usr/bin/env bash
# The main job. Sets up everything (scripts/setup.sh), prints a few demo cases folded through the
# workflow, then starts the sync server with the demo tenant (兰州市城关区 620102, synthetic
# geometry, 123 accounts with password `Gridcase-2026`) on the embedded SQLite default at
# http://127.0.0.1:8470, imports 8 demo cases handed down by a superior platform, and — where a
# display exists — opens the desktop app signed in as the shift leader `shift01`. Ctrl-C stops
# everything. Without a display it says how to reach the server.
#
# Environment: GRIDCASE_LISTEN (default 127.0.0.1:8470), GRIDCASE_DATA_DIR (default
# ./gridcase-data), GRIDCASE_DEMO_USER (default shift01; e.g. insp051 for field mode).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node/node_modules/.bin:$PATH"

cargo run --release -q -p gridcase-core --example demo
export GRIDCASE_DATA_DIR="${GRIDCASE_DATA_DIR:-$PWD/gridcase-data}"
listen="${GRIDCASE_LISTEN:-127.0.0.1:8470}"
export GRIDCASE_LISTEN="$listen"
echo "==> building gridcase-server (release)"
cargo build --release -q -p gridcase-server
target_dir="${CARGO_TARGET_DIR:-target}"
server="$target_dir/release/gridcase-server"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "==> gridcase-server demo (data in $GRIDCASE_DATA_DIR)"
"$server" demo &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fsS "http://$listen/v1/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://$listen/v1/health" >/dev/null || { echo "the server did not start"; exit 1; }
echo "==> importing demo cases handed down by the superior platform (idempotent)"
"$server" intake import-superior --tenant 620102 scripts/demo/superior-cases.json >/dev/null

user="${GRIDCASE_DEMO_USER:-shift01}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> building and opening the desktop app, signed in as $user"
  cargo build -q -p gridcase-app
  GRIDCASE_SERVER="http://$listen" GRIDCASE_TENANT=620102 GRIDCASE_USER="$user" \
    GRIDCASE_PASSWORD="${GRIDCASE_DEMO_PASSWORD:-Gridcase-2026}" \
    GRIDCASE_APP_DIR="$GRIDCASE_DATA_DIR/app-$user" "$target_dir/debug/gridcase-app" &
  pids+=($!)
else
  cat <<MSG
==> No display here, so the desktop app is not opened. The server runs at http://$listen
    (tenant 620102, every account's password: Gridcase-2026; accounts in
    $GRIDCASE_DATA_DIR/demo-620102/users.csv — e.g. shift01 值班长, intake01 受理员,
    dispatch01 派遣员, insp051 监督员, dept-zls 专业部门).
    On a machine with a display, run target/debug/gridcase-app (cargo build -p gridcase-app)
    and sign in with server address http://$listen.
MSG
fi
echo "==> running; Ctrl-C stops"
wait "${pids[0]}"
