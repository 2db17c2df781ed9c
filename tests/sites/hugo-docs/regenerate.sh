#!/bin/sh
# Rebuilds expected.json and alias-files.json with hugo 0.111.3 from a copy
# of this site in a temporary directory (so no public/, resources/ or
# .hugo_build.lock is left here). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/hugo.toml" "$here/content" "$here/layouts" "$tmp/"
hugo --source "$tmp" --destination "$tmp/public" --environment production --quiet
cp "$tmp/public/index.json" "$here/expected.json"
# Every alias page hugo wrote: its path below public/ and where it points.
python3 - "$tmp/public" > "$here/alias-files.json" <<'PY'
import json, os, re, sys
root = sys.argv[1]
out = []
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".html"):
            continue
        p = os.path.join(d, f)
        m = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', open(p, encoding="utf-8").read())
        if m:
            out.append({"file": "/" + os.path.relpath(p, root), "target": m.group(1)})
json.dump(sorted(out, key=lambda a: a["file"]), sys.stdout, indent=2, ensure_ascii=False)
print()
PY
