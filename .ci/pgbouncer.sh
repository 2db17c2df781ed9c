#!/usr/bin/env bash
# Starts PgBouncer in transaction pooling mode in front of the server
# .ci/postgres.sh started. Usage (after sourcing postgres.sh):
#   source .ci/pgbouncer.sh
# sets TEST_DATABASE_URL to PgBouncer and TEST_LISTEN_URL to the server
# itself (LISTEN needs a session, which transaction pooling does not keep).
#
# sqlx names its prepared statements, which transaction pooling breaks
# unless PgBouncer tracks them (`max_prepared_statements`, 1.21 and
# later). Debian 12 packages 1.18, so PgBouncer is built from Debian's own
# source tarball of 1.24.1 (Debian 13's), checked against its SHA-256.
set -euo pipefail

PGB_VERSION=1.24.1
PGB_SHA256=da72a3aba13072876d055a3e58dd4aba4a5de4ed6148e73033185245598fd3e0
PGB_BIN=/opt/pgbouncer-$PGB_VERSION/bin/pgbouncer
if [ ! -x "$PGB_BIN" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc make pkg-config libevent-dev libssl-dev >/dev/null
  src=$(mktemp -d)
  curl -fsSL -o "$src/pgbouncer.tar.gz" \
    "http://deb.debian.org/debian/pool/main/p/pgbouncer/pgbouncer_${PGB_VERSION}.orig.tar.gz"
  echo "$PGB_SHA256  $src/pgbouncer.tar.gz" | sha256sum -c --quiet
  tar -xzf "$src/pgbouncer.tar.gz" -C "$src"
  (cd "$src/pgbouncer-$PGB_VERSION" \
    && ./configure --prefix="/opt/pgbouncer-$PGB_VERSION" --without-cares --without-pam --without-systemd >/dev/null \
    && make -j2 >/dev/null && make install >/dev/null)
  rm -rf "$src"
fi

PGB_DIR=$(mktemp -d /tmp/gazette-pgbouncer.XXXXXX)
PGB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_PORT=$(echo "$TEST_DATABASE_URL" | sed -E 's|.*:([0-9]+)/.*|\1|')
# Every test makes a database of its own: one pool each, so idle server
# connections are closed after 2 s and one user's are capped below the
# server's max_connections (300), so a busy suite queues instead of failing.
cat > "$PGB_DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$SERVER_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $PGB_DIR/users.txt
pool_mode = transaction
max_prepared_statements = 200
max_client_conn = 2000
default_pool_size = 20
max_user_connections = 250
server_idle_timeout = 2
ignore_startup_parameters = extra_float_digits,options
logfile = $PGB_DIR/pgbouncer.log
pidfile = $PGB_DIR/pgbouncer.pid
INI
echo '"gazette" ""' > "$PGB_DIR/users.txt"
chown -R postgres "$PGB_DIR"
# PgBouncer refuses to run as root.
(cd / && runuser -u postgres -- "$PGB_BIN" -d "$PGB_DIR/pgbouncer.ini")
pgb_stop() { kill "$(cat "$PGB_DIR/pgbouncer.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$PGB_DIR"; }
# Runs before postgres.sh's own EXIT trap, which stops the server.
trap 'pgb_stop; if declare -F sb_stop >/dev/null; then sb_stop; fi; pg_stop' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PGB_PORT), 1)" 2>/dev/null && break
  sleep 0.1
done
export TEST_LISTEN_URL="$TEST_DATABASE_URL"
export TEST_DATABASE_URL="postgres://gazette@127.0.0.1:$PGB_PORT/postgres"
echo "PgBouncer $("$PGB_BIN" --version | head -n 1) on 127.0.0.1:$PGB_PORT, transaction pooling, in front of :$SERVER_PORT"
