#!/bin/bash
# Usage: bench/restart.sh DATABASE_URL LABEL (from the workspace root, after `cargo build --release` and a bench run that generated the corpus).
# Measures the first import and the restart import of the 100k corpus on one engine.
set -u
G=${GAZETTE:-target/release/gazette}
C=${CORPUS:-target/bench/corpus-100000-seed42}
URL="$1"; LABEL="$2"
echo "== $LABEL first import"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" $G --database-url "$URL" import $C 2>&1 | tail -2
for i in 1 2 3; do
echo "== $LABEL restart import $i"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" $G --database-url "$URL" import $C 2>&1 | tail -2
done
