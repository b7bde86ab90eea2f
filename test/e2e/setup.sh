#!/usr/bin/env bash
# Installs what the end-to-end test (test/e2e/e2e.test.mjs) needs, outside the repo:
#
#   * Debian packages (as root): chromium (the browser Playwright drives), libkrb5-dev
#     (code-server's native kerberos module builds against it), ripgrep (see below),
#     fonts-dejavu-core (chromium depends on no font; screenshots need one);
#   * code-server (VS Code in a browser) and playwright-core, with npm, into
#     $EXT4WP_E2E_HOME (default ~/.cache/ext4-write-path/e2e). They are never project
#     dependencies: code-server alone is about 280 MB, and only this test needs it.
#
# Idempotent: a second run with everything in place does nothing (about 0.1 s).
# Recipe proven on this machine: ../shared/docs/TESTBEDS.md §1.
set -euo pipefail

# code-server 4.100.3 (VS Code 1.100.3) is the newest release whose `engines` accepts Node 20.
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
home="${EXT4WP_E2E_HOME:-$HOME/.cache/ext4-write-path/e2e}"

missing_debs=()
command -v chromium >/dev/null || missing_debs+=(chromium)
command -v rg >/dev/null || missing_debs+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing_debs+=(libkrb5-dev)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing_debs+=(fonts-dejavu-core)
if [ "${#missing_debs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
  else
    echo "test/e2e/setup.sh: missing Debian packages: ${missing_debs[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
fi

installed() {
  node -e 'const [dir, name, want] = process.argv.slice(1);
    const v = require(require("path").join(dir, "node_modules", name, "package.json")).version;
    process.exit(v === want ? 0 : 1)' "$home" "$1" "$2" 2>/dev/null
}
if installed code-server "$CODE_SERVER_VERSION" && installed playwright-core "$PLAYWRIGHT_VERSION" \
   && [ -x "$home/node_modules/.bin/code-server" ]; then
  echo "$home"
  exit 0
fi

mkdir -p "$home"
# A package.json of its own, so npm installs here and never walks up into a project.
cat > "$home/package.json" <<JSON
{ "name": "ext4-write-path-e2e-tools", "private": true, "description": "Installed by test/e2e/setup.sh; safe to delete." }
JSON

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here; it
# takes a tarball from its cache in os.tmpdir() instead. Give it Debian's rg.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/vscode-ripgrep-cache-1.15.11"
cp "$(command -v rg)" "$tmp/rg"
tar -czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$tmp" rg

# npm_config_yes: node-pty's postinstall runs `npx node-gyp`, which must not prompt.
# --unsafe-perm: code-server's postinstall.sh refuses to run as root without it (it checks
# npm_config_unsafe_perm); npm 11 warns that it does not know the flag, and passes it on.
( cd "$home" && TMPDIR="$tmp" npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --save-exact \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2 )

installed code-server "$CODE_SERVER_VERSION" || { echo "test/e2e/setup.sh: code-server did not install" >&2; exit 1; }
echo "$home"
