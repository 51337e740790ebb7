#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, clippy (warnings are errors), the app's
# compile check for Android (aarch64-linux-android, its own target dir), the web UI's type check
# and Vitest suite, the whole workspace's tests, and the app's end-to-end suite in the
# real webview under Xvfb (tauri-driver + WebKitWebDriver); the blob-store tests run against the
# local directory and a real S3 server (scripts/s3.sh). Ends with the runners' summaries and
# one total line over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node/node_modules/.bin:$PATH"
# A one-off build gains nothing from incremental state, which is as large again as the rest of the
# debug target; the disk it saves is what let the build finish on the CI machine.
export CARGO_INCREMENTAL=0

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy --workspace --all-targets -- -D warnings (and the E2E suite's feature)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p gridcase-tests --features e2e --all-targets -- -D warnings
echo "==> mobile: cargo check -p gridcase-app --target aarch64-linux-android (target/android)"
# Debian's aarch64 C compiler stands in for the NDK's in build scripts; nothing is linked.
CC_aarch64_linux_android=aarch64-linux-gnu-gcc AR_aarch64_linux_android=aarch64-linux-gnu-ar \
  CARGO_TARGET_DIR=target/android cargo check -p gridcase-app --target aarch64-linux-android
echo "==> binaries: gridcase-server (the SIGKILL suite runs it) and gridcase-app (the E2E suite runs it)"
cargo build -p gridcase-server --bin gridcase-server
# tauri/test: the same tauri features as the workspace's test build, so tauri is compiled once.
cargo build -p gridcase-app --bin gridcase-app --features tauri/test

log="$(mktemp)"
# The S3 server the blob-store tests run against (besides the local directory); stopped on exit.
s3_env="$(bash scripts/s3.sh start)"
eval "$s3_env"
trap 'bash scripts/s3.sh stop; rm -f "$log"' EXIT
status=0
set +e
echo "==> ui: npm test (Vitest)"
(cd ui && NO_COLOR=1 npm test 2>&1) | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "==> cargo test --workspace"
cargo test --workspace --no-fail-fast 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "==> E2E in the real webview: xvfb-run cargo test -p gridcase-tests --features e2e --test e2e"
xvfb-run -a -s "-screen 0 1440x1280x24 -nolisten tcp" \
  cargo test -p gridcase-tests --features e2e --test e2e 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
set -e
echo
# Cargo: "test result: ok. N passed; M failed; …"; Vitest: "Tests  N passed (N)" / "N failed".
awk '{ gsub(/\x1b\[[0-9;]*m/, "") }
     /^test result:/ || /^[[:space:]]*Tests[[:space:]]/ {
       for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
