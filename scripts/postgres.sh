#!/usr/bin/env bash
# A private PostgreSQL on 127.0.0.1 for tests and benchmarks; prints its URL on stdout.
#   scripts/postgres.sh        install (Debian's package, when root and missing), start, print the URL
#   scripts/postgres.sh stop   stop it
# Data in $CHAT_REC_PG_DIR (default /tmp/chat-rec-postgres), port $CHAT_REC_PG_PORT (default 54329),
# trust authentication on loopback only: a test database, not a production one (see docs/deploy.md).
set -euo pipefail
PGDIR=${CHAT_REC_PG_DIR:-/tmp/chat-rec-postgres}
PORT=${CHAT_REC_PG_PORT:-54329}
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN=$(find_bin)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing PostgreSQL from Debian's packages..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    BIN=$(find_bin)
  fi
  if [ -z "$BIN" ]; then
    echo "PostgreSQL is not installed: run 'sudo apt-get install postgresql' (or set CHAT_REC_DATABASE_URL)" >&2
    exit 1
  fi
fi
AS=()
if [ "$(id -u)" = "0" ]; then AS=(runuser -u postgres --); fi  # initdb refuses to run as root
if [ "${1:-}" = "stop" ]; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR" -m fast stop >&2 || true
  exit 0
fi
if [ ! -f "$PGDIR/PG_VERSION" ]; then
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$PGDIR"; fi
  "${AS[@]}" "$BIN/initdb" -D "$PGDIR" -U chatrec --auth=trust -E UTF8 >"$PGDIR.initdb.log" 2>&1 \
    || { cat "$PGDIR.initdb.log" >&2; exit 1; }
fi
if ! "${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c max_connections=200" start >&2
fi
if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U chatrec -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'chatrec_test'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U chatrec chatrec_test
fi
echo "postgresql://chatrec@127.0.0.1:$PORT/chatrec_test"
