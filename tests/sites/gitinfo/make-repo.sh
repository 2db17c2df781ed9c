#!/usr/bin/env bash
# Copies this fixture to DEST and commits it into a new git repository with
# fixed author and committer dates (each different), as the oracle and the
# test both need: `bash make-repo.sh DEST`.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
dest=$1
mkdir -p "$dest"
cp -r "$src/hugo.toml" "$src/layouts" "$dest/"
mkdir -p "$dest/content/blog"
cd "$dest"
git init -q -b main .
git config user.name "Fixture"
git config user.email "fixture@example.org"
commit() { # AUTHOR_DATE COMMITTER_DATE MESSAGE FILES...
  local author=$1 committer=$2 message=$3
  shift 3
  git add -- "$@"
  GIT_AUTHOR_DATE=$author GIT_COMMITTER_DATE=$committer git commit -q -m "$message"
}
cp "$src/content/blog/first.md" "$src/content/blog/edited.md" content/blog/
commit "2024-05-01T10:00:00+02:00" "2024-05-03T09:00:00+00:00" "First two pages" content/blog/first.md content/blog/edited.md
cp "$src/content/blog/once.md" content/blog/
commit "2024-06-01T08:30:00-04:00" "2024-06-02T12:00:00+00:00" "Once" content/blog/once.md
printf 'Second version.\n' >> content/blog/edited.md
commit "2024-07-01T23:15:00+09:00" "2024-07-04T00:00:00+00:00" "Edit" content/blog/edited.md
# A page written since the last commit: git knows nothing of it.
cp "$src/content/blog/untracked.md" content/blog/
