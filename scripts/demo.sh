#!/usr/bin/env bash
# `npm run demo`: the main job on real input. Fetches Debian's 6.1 and 6.12 kernel
# sources, makes the real 6.1 → 6.12 diff of fs/ext4/file.c and fs/ext4/inode.c, reviews
# it against the 6.1 tree and prints the per-hunk table.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ -f dist/cli.js ] && [ -f grammars/tree-sitter-c.wasm ] || node scripts/build.mjs
bash scripts/fetch-kernels.sh >/dev/null
cache="${EXT4WP_CACHE:-$HOME/.cache/ext4-write-path}"
mkdir -p "$cache/diffs"
patch="$cache/diffs/linux-6.1-to-6.12-ext4-file-inode.diff"
: > "$patch"
for f in fs/ext4/file.c fs/ext4/inode.c; do
  # diff exits 1 when the files differ, which is the point.
  diff -u --label "a/$f" --label "b/$f" "$cache/linux-6.1/$f" "$cache/linux-6.12/$f" >> "$patch" || [ $? -eq 1 ]
done
echo "reviewing $(grep -c '^@@' "$patch") hunks of $patch against $cache/linux-6.1" >&2
status=0
node dist/cli.js review "$patch" --kernel "$cache/linux-6.1" --max-rows 8 "$@" || status=$?
# Exit status 1 means "an invariant is newly broken": a finding, not a failure of the demo.
if [ "$status" -eq 1 ]; then echo "(exit status 1: the diff newly breaks an invariant; see BREAKS above)" >&2; exit 0; fi
exit "$status"
