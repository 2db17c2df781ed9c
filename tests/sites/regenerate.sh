#!/usr/bin/env bash
# Rebuilds every Hugo oracle file in tests/sites/ with the installed hugo
# (Debian's 0.111.3), each from a copy in a temporary folder. CI runs it and
# fails if the committed files differ: they must be what hugo builds.
set -euo pipefail
sites=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# hugo-urls: the default build and the variant (uglyURLs, subdir, case kept).
cp -r "$sites/hugo-urls" "$tmp/urls"
hugo --source "$tmp/urls" --destination "$tmp/urls-1" --quiet
cp "$tmp/urls-1/index.json" "$sites/hugo-urls/expected.json"
hugo --source "$tmp/urls" --config config.toml,variant.toml --destination "$tmp/urls-2" --quiet
cp "$tmp/urls-2/en/index.json" "$sites/hugo-urls/expected-variant.json"

# menus: the site's menus as hugo orders and nests them.
cp -r "$sites/menus" "$tmp/menus"
hugo --source "$tmp/menus" --destination "$tmp/menus-out" --quiet
python3 -m json.tool "$tmp/menus-out/index.json" > "$sites/menus/expected.json"

# summaries: the divider, front matter summary, automatic summaries.
cp -r "$sites/summaries" "$tmp/summaries"
hugo --source "$tmp/summaries" --destination "$tmp/summaries-out" --quiet
python3 -m json.tool "$tmp/summaries-out/index.json" > "$sites/summaries/expected.json"

# hugo-docs: its own script.
bash "$sites/hugo-docs/regenerate.sh"

# feeds: every RSS feed and sitemap hugo writes (sections disabled: Gazette
# has no section pages yet), by default and in the `ugly` environment
# (config/ugly/: uglyURLs, the default language in a subfolder too).
cp -r "$sites/feeds" "$tmp/feeds"
rm -rf "$tmp/feeds/expected" "$tmp/feeds/expected-ugly"
for env in production ugly; do
    out="$tmp/feeds-$env"
    expected="$sites/feeds/expected"
    [ "$env" = production ] || expected="$expected-$env"
    hugo --source "$tmp/feeds" --environment "$env" --destination "$out" --quiet
    rm -rf "$expected"
    (cd "$out" && find . -name '*.xml' | sort | while read -r f; do
        mkdir -p "$expected/$(dirname "$f")"
        cp "$f" "$expected/$f"
    done)
done
