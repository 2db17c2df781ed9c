#!/usr/bin/env bash
# Usage: bench/rate_limit/run.sh URL (a database with the rate_limit_bucket table of
# migration 19): each statement of src/server/rate_limit.rs, 10 s at 1 and 8
# clients; prints p50/p99 (µs, from pgbench's per-transaction log) and tps.
set -euo pipefail
URL=$1
PGB=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
for c in 1 8; do
  for s in select1 admit_hot admit_spread charge_hot charge_spread; do
    rm -f pgbench_log.*
    out=$($PGB -n -M prepared -c $c -j $c -T 10 -f "$HERE/$s.sql" --log --log-prefix=pgbench_log "$URL" 2>&1)
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    cat pgbench_log.* | awk '{print $3}' | sort -n > lat.txt
    n=$(wc -l < lat.txt)
    p50=$(sed -n "$(( n / 2 ))p" lat.txt); p99=$(sed -n "$(( n * 99 / 100 ))p" lat.txt)
    echo "clients=$c script=$s n=$n p50_us=$p50 p99_us=$p99 tps=$tps"
  done
done
