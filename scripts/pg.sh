#!/usr/bin/env bash
# A real PostgreSQL 15 (Debian's `postgresql` package, installed by scripts/setup.sh) for the
# server's PostgreSQL backend tests, in a temporary directory on 127.0.0.1. `initdb` refuses to
# run as root, so when run as root the cluster belongs to the `postgres` user (created by the
# package) and its commands run as that user.
#
#   eval "$(scripts/pg.sh start)"  start it; prints `export GRIDCASE_TEST_PG=postgres://…` (the
#                                 admin URL the tests create their own databases with) and
#                                 GRIDCASE_TEST_PG_DIR (the cluster's temporary directory)
#   scripts/pg.sh stop [dir]      stop the cluster in `dir` (default $GRIDCASE_TEST_PG_DIR) and
#                                 delete it
#
# The PostgreSQL variants of the tests fail when GRIDCASE_TEST_PG is unset, unless
# GRIDCASE_TEST_PG=off is set explicitly (scripts/test-all.sh never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

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
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "!! $PG_BIN/initdb not found: run scripts/setup.sh (installs postgresql)" >&2
    return 1
  fi
  local dir port started=$SECONDS
  dir="$(mktemp -d -t gridcase-pg.XXXXXX)"
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  port="$(free_port)"
  # Trust on loopback only: a throwaway test cluster, listening on 127.0.0.1 and a socket in
  # its own directory.
  as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1; }
  # fsync off: the cluster is deleted after the run; durability is SQLite's and the real
  # deployment's concern, not this fixture's.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" \
    start >/dev/null || { cat "$dir/log" >&2; rm -rf "$dir"; return 1; }
  cat <<EOT
export GRIDCASE_TEST_PG=postgres://postgres@127.0.0.1:$port/postgres
export GRIDCASE_TEST_PG_DIR=$dir
EOT
  echo "==> PostgreSQL 15 on 127.0.0.1:$port (cluster in $dir, started in $((SECONDS - started)) s)" >&2
}

stop() {
  local dir="${1:-${GRIDCASE_TEST_PG_DIR:-}}"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then return 0; fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [dir]" >&2; exit 2 ;;
esac
