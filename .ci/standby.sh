#!/usr/bin/env bash
# Starts a streaming standby of the server .ci/postgres.sh started (a
# read replica: pg_basebackup -R). Usage, after sourcing postgres.sh:
#   source .ci/standby.sh
# sets TEST_REPLICA_URL (the standby) and TEST_STANDBY_CTL (a script taking
# `stop` or `start`, so a test can take the replica away and bring it back).
set -euo pipefail

PRIMARY_PORT=$(echo "$TEST_DATABASE_URL" | sed -E 's|.*:([0-9]+)/.*|\1|')
SB_DIR=$(mktemp -d /tmp/gazette-standby.XXXXXX)
chown postgres "$SB_DIR"
SB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U gazette -D "$SB_DIR/data" -R -X stream >/dev/null
cat > "$SB_DIR/ctl" <<CTL
#!/usr/bin/env bash
# stop | start the standby on 127.0.0.1:$SB_PORT.
set -euo pipefail
case "\$1" in
  stop) cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SB_DIR/data" -m fast -w stop >/dev/null ;;
  start) cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SB_DIR/data" -l "$SB_DIR/server.log" -w \\
    -o "-p $SB_PORT -k $SB_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
chmod +x "$SB_DIR/ctl"
"$SB_DIR/ctl" start
sb_stop() { "$SB_DIR/ctl" stop 2>/dev/null || true; rm -rf "$SB_DIR"; }
trap 'sb_stop; pg_stop' EXIT
export TEST_REPLICA_URL="postgres://gazette@127.0.0.1:$SB_PORT/postgres"
export TEST_STANDBY_CTL="$SB_DIR/ctl"
echo "Standby of :$PRIMARY_PORT on 127.0.0.1:$SB_PORT ($SB_DIR)"
