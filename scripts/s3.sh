#!/usr/bin/env bash
# A real S3-compatible server for the blob-store tests (docs/deployment.md "对象存储"):
# s3s-fs (crates.io: an S3 service over a directory, built on the s3s crate), installed with
# `cargo install` into .tools/s3 and run on 127.0.0.1 with a temporary data directory and
# generated credentials.
#
#   scripts/s3.sh install        install s3s-fs into .tools/s3 if missing
#   eval "$(scripts/s3.sh start)" start it; prints the `export GRIDCASE_TEST_S3_*=…` lines the
#                                tests read (endpoint, bucket, region, access key id, secret,
#                                and GRIDCASE_TEST_S3_DIR, the server's temporary directory)
#   scripts/s3.sh stop [dir]     stop the server started in `dir` (default $GRIDCASE_TEST_S3_DIR)
#                                and delete its data
#
# The S3 variants of the tests fail when GRIDCASE_TEST_S3_ENDPOINT is unset, unless
# GRIDCASE_TEST_S3=off is set explicitly (scripts/test-all.sh never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

S3S_FS_VERSION="${S3S_FS_VERSION:-0.14.1}"
TOOLS="$PWD/.tools/s3"
BIN="$TOOLS/bin/s3s-fs"
BUCKET="gridcase-test"

install() {
  if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null | awk '{print $2}')" = "$S3S_FS_VERSION" ]; then
    return 0
  fi
  echo "==> cargo install s3s-fs $S3S_FS_VERSION --features binary (into .tools/s3)" >&2
  local started=$SECONDS
  cargo install s3s-fs --version "=$S3S_FS_VERSION" --features binary --locked \
    --root "$TOOLS" >&2
  echo "==> s3s-fs installed in $((SECONDS - started)) s" >&2
}

# A port on 127.0.0.1 nothing listens on (s3s-fs then fails to bind if another process takes it
# first, and start() reports its log).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "!! no free port found" >&2
  return 1
}

start() {
  install
  local dir port key secret
  dir="$(mktemp -d -t gridcase-s3.XXXXXX)"
  mkdir -p "$dir/data/$BUCKET"
  port="$(free_port)"
  key="GC$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')"
  secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # The credentials reach s3s-fs through its command line: a test-only server on loopback.
  "$BIN" --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" \
    "$dir/data" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      cat <<EOF
export GRIDCASE_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export GRIDCASE_TEST_S3_BUCKET=$BUCKET
export GRIDCASE_TEST_S3_REGION=us-east-1
export GRIDCASE_TEST_S3_ACCESS_KEY_ID=$key
export GRIDCASE_TEST_S3_SECRET_ACCESS_KEY=$secret
export GRIDCASE_TEST_S3_DIR=$dir
EOF
      echo "==> s3s-fs on 127.0.0.1:$port (data in $dir/data)" >&2
      return 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "!! s3s-fs did not start; its log:" >&2
  cat "$dir/log" >&2
  stop "$dir"
  return 1
}

stop() {
  local dir="${1:-${GRIDCASE_TEST_S3_DIR:-}}"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then return 0; fi
  if [ -f "$dir/pid" ]; then
    local pid
    pid="$(cat "$dir/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start | stop [dir]" >&2; exit 2 ;;
esac
