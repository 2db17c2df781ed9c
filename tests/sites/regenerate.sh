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

# content-dirs: languages with content folders of their own.
cp -r "$sites/content-dirs" "$tmp/content-dirs"
hugo --source "$tmp/content-dirs" --destination "$tmp/content-dirs-out" --quiet
python3 -m json.tool "$tmp/content-dirs-out/index.json" > "$sites/content-dirs/expected.json"

# mounts: module mounts into part of the content.
cp -r "$sites/mounts" "$tmp/mounts"
hugo --source "$tmp/mounts" --destination "$tmp/mounts-out" --quiet
python3 -m json.tool "$tmp/mounts-out/index.json" > "$sites/mounts/expected.json"

# gitinfo: a repository made with fixed dates, then built.
bash "$sites/gitinfo/make-repo.sh" "$tmp/gitinfo"
hugo --source "$tmp/gitinfo" --destination "$tmp/gitinfo-out" --quiet
python3 -m json.tool "$tmp/gitinfo-out/index.json" > "$sites/gitinfo/expected.json"

# menus: the site's menus as hugo orders and nests them.
cp -r "$sites/menus" "$tmp/menus"
hugo --source "$tmp/menus" --destination "$tmp/menus-out" --quiet
python3 -m json.tool "$tmp/menus-out/index.json" > "$sites/menus/expected.json"

# summaries: the divider, front matter summary, automatic summaries.
cp -r "$sites/summaries" "$tmp/summaries"
hugo --source "$tmp/summaries" --destination "$tmp/summaries-out" --quiet
python3 -m json.tool "$tmp/summaries-out/index.json" > "$sites/summaries/expected.json"
hugo --source "$tmp/summaries" --config hugo.toml,cjk.toml --destination "$tmp/summaries-cjk" --quiet
python3 -m json.tool "$tmp/summaries-cjk/index.json" > "$sites/summaries/expected-cjk.json"

# frontmatter: dates from file names and other keys ([frontmatter]).
cp -r "$sites/frontmatter" "$tmp/frontmatter"
hugo --source "$tmp/frontmatter" --destination "$tmp/frontmatter-out" --quiet
python3 -m json.tool "$tmp/frontmatter-out/index.json" > "$sites/frontmatter/expected.json"

# build: _build, headless and cascade; which pages were listed and rendered.
cp -r "$sites/build" "$tmp/build"
hugo --source "$tmp/build" --destination "$tmp/build-out" --quiet
python3 -m json.tool "$tmp/build-out/index.json" > "$sites/build/expected.json"
(cd "$tmp/build-out" && find . -name index.html | sed 's|^\.||; s|index\.html$||' | sort | python3 -c 'import json, sys; print(json.dumps([l.strip() for l in sys.stdin], indent=2))') > "$sites/build/rendered.json"

# hugo-docs: its own script.
bash "$sites/hugo-docs/regenerate.sh"

# shortcodes: every page's .Content and .Plain as hugo renders the built-ins
# and parses custom ones; then each broken page alone, with hugo's error.
cp -r "$sites/shortcodes" "$tmp/shortcodes"
rm -rf "$tmp/shortcodes/broken" "$tmp/shortcodes/privacy"
hugo --source "$tmp/shortcodes" --destination "$tmp/shortcodes-out" --quiet
python3 -m json.tool "$tmp/shortcodes-out/index.json" > "$sites/shortcodes/expected.json"
# The same videos with the privacy settings, and a ref to no page.
cp -r "$sites/shortcodes/privacy" "$tmp/privacy"
cp -r "$sites/shortcodes/layouts" "$tmp/privacy/"
hugo --source "$tmp/privacy" --destination "$tmp/privacy-out" --quiet 2> /dev/null
python3 -m json.tool "$tmp/privacy-out/index.json" > "$sites/shortcodes/privacy/expected.json"
: > "$sites/shortcodes/broken-errors.txt"
for page in "$sites"/shortcodes/broken/*.md; do
  name=$(basename "$page")
  rm -rf "$tmp/broken" && mkdir -p "$tmp/broken/content"
  cp -r "$sites/shortcodes/hugo.toml" "$sites/shortcodes/layouts" "$tmp/broken/"
  cp "$page" "$tmp/broken/content/"
  if hugo --source "$tmp/broken" --destination "$tmp/broken-out" --quiet 2> "$tmp/broken.err"; then
    echo "hugo built $name, which should fail" >&2; exit 1
  fi
  # `Error: Error building site: "…/content/NAME:LINE:COL": reason`, first line only.
  head -1 "$tmp/broken.err" | sed -E 's|^.*/content/([^"]+)": |\1: |' >> "$sites/shortcodes/broken-errors.txt"
done

# feeds: every RSS feed and sitemap hugo writes, by default and in the `ugly` environment
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

# bundles: each page's .Resources (name, title, media type, URL, params,
# image size) as hugo assigns them from front matter `resources` rules.
cp -r "$sites/bundles" "$tmp/bundles"
hugo --source "$tmp/bundles" --destination "$tmp/bundles-out" --quiet
python3 -m json.tool "$tmp/bundles-out/index.json" > "$sites/bundles/expected.json"

# term-weights: each term's pages in hugo's order (tags_weight, series_weight).
cp -r "$sites/term-weights" "$tmp/term-weights"
hugo --source "$tmp/term-weights" --destination "$tmp/term-weights-out" --quiet
python3 -m json.tool "$tmp/term-weights-out/index.json" > "$sites/term-weights/expected.json"

# display: each page's display options as the Mainroad theme resolves them.
cp -r "$sites/display" "$tmp/display"
hugo --source "$tmp/display" --destination "$tmp/display-out" --quiet
python3 -m json.tool "$tmp/display-out/index.json" > "$sites/display/expected.json"

# related: each page's .Site.RegularPages.Related under the site's [related]
# config, by default and in the `newer` environment (config/newer/).
cp -r "$sites/related" "$tmp/related"
rm -f "$tmp/related"/expected*.json
hugo --source "$tmp/related" --destination "$tmp/related-out" --quiet
python3 -m json.tool "$tmp/related-out/index.json" > "$sites/related/expected.json"
hugo --source "$tmp/related" --environment newer --destination "$tmp/related-newer" --quiet
python3 -m json.tool "$tmp/related-newer/index.json" > "$sites/related/expected-newer.json"
