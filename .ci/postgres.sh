#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the test suite.
# Usage: source .ci/postgres.sh   (sets TEST_DATABASE_URL; the server stops when the shell exits)
set -euo pipefail

if ! command -v initdb >/dev/null 2>&1 && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
[ -x "$PG_BIN/initdb" ] || PG_BIN=$(dirname "$(command -v initdb)")

# initdb refuses to run as root: run the server as the postgres user.
id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
PG_DIR=$(mktemp -d /tmp/gazette-pg.XXXXXX)
chown postgres "$PG_DIR"
# Stop the server and remove its folder on any exit, a failed start included.
pg_stop() { (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1) || true; rm -rf "$PG_DIR"; }
trap pg_stop EXIT
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { (cd / && runuser -u postgres -- "$@"); }
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U gazette -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
export TEST_DATABASE_URL="postgres://gazette@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
