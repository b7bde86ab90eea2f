#!/usr/bin/env bash
# `npm run demo`: the main job on real input. Fetches Debian's 6.1, 6.12 and 7.2 kernel
# sources, makes the real 6.12 → 7.2 diff of every C file the engine interprets
# (fs/ext4/{file,inode,extents}.c, fs/iomap/{direct-io,iter}.c, mm/filemap.c, fs/read_write.c) and of the headers
# their C reads, reviews it against the 6.12 tree and prints the per-hunk table.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ -f dist/cli.js ] && [ -f grammars/tree-sitter-c.wasm ] || node scripts/build.mjs
bash scripts/fetch-kernels.sh >/dev/null
cache="${EXT4WP_CACHE:-$HOME/.cache/ext4-write-path}"
from="$cache/linux-6.12"
to="$cache/linux-7.2"
mkdir -p "$cache/diffs"
patch="$cache/diffs/linux-6.12-to-7.2-write-path.diff"
: > "$patch"
for f in fs/ext4/file.c fs/ext4/inode.c fs/ext4/extents.c fs/iomap/direct-io.c fs/iomap/iter.c mm/filemap.c fs/read_write.c \
  fs/ext4/ext4.h fs/ext4/ext4_jbd2.h fs/ext4/extents_status.h include/linux/iomap.h include/linux/fserror.h; do
  # A file new in 7.2 is a creation (--- /dev/null); diff exits 1 when the files differ, which is the point.
  if [ -f "$from/$f" ]; then old="$from/$f"; label="a/$f"; else old=/dev/null; label=/dev/null; fi
  diff -u --label "$label" --label "b/$f" "$old" "$to/$f" >> "$patch" || [ $? -eq 1 ]
done
echo "reviewing $(grep -c '^@@' "$patch") hunks of $patch against $from" >&2
status=0
node --max-semi-space-size=64 dist/cli.js review "$patch" --kernel "$from" --max-rows 8 "$@" || status=$?
# Exit status 1 means "an invariant is newly broken": a finding, not a failure of the demo.
if [ "$status" -eq 1 ]; then echo "(exit status 1: the diff newly breaks an invariant; see BREAKS above)" >&2; exit 0; fi
exit "$status"
