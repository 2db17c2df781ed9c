#!/usr/bin/env bash
# Starts Gazette over the bundled content on a free port and runs the
# GraphiQL browser test against it. Needs a built target/debug/gazette.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/tests/browser"
# A CJK font, or the screenshot shows the seed's Chinese title as boxes.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
npm ci --no-audit --no-fund --silent
work=$(mktemp -d)
"${CARGO_TARGET_DIR:-$root/target}/debug/gazette" --database-url "sqlite://$work/g.db?mode=rwc" --content "$root/content" \
  --bind 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q "serving GraphiQL" "$work/out" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*/' "$work/out" | head -n 1)
[ -n "$url" ] || { cat "$work/err"; exit 1; }
node graphiql.mjs "$url" "$root/target/graphiql.png"
