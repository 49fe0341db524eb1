#!/usr/bin/env bash
# Installs code-server 4.96.4 (VS Code 1.96.4 in the browser) into $1, offline
# apart from the npm registry. Its install scripts reach GitHub twice; both
# are redirected (see ../../../README.md "Editors", and the notes below).
set -euo pipefail
dest=${1:?usage: install-code-server.sh DIR}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cd "$dest"
[ -f package.json ] || echo '{ "name": "code-server-install", "private": true }' > package.json
export npm_config_nodedir=${npm_config_nodedir:-/usr}   # node-gyp: local headers, never a download
export TMPDIR="$dest/.tmp"
mkdir -p "$TMPDIR"

npm install --no-audit --no-fund --ignore-scripts code-server@4.96.4

vs=node_modules/code-server/lib/vscode
# 1. VS Code's shrinkwrap pins @vscode/proxy-agent to a git+ssh URL; the
#    registry tarball of the same version has the same sha512.
sed -i 's#"git+ssh://git@github.com/microsoft/vscode-proxy-agent.git\#[0-9a-f]*"#"https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz"#' \
  "$vs/npm-shrinkwrap.json"

# 2. @vscode/ripgrep downloads rg from GitHub unless its cache holds the
#    archive: seed the cache with the system's rg.
rgver=$(node -e 'const s=require(process.argv[1]); const p=s.packages["node_modules/@vscode/ripgrep"]; console.log(p.version)' "$PWD/$vs/npm-shrinkwrap.json")
rg=$(command -v rg)
cache="$TMPDIR/vscode-ripgrep-cache-$rgver"
mkdir -p "$cache" "$TMPDIR/rg"
cp "$rg" "$TMPDIR/rg/rg"
for asset in ripgrep-v13.0.0-10-x86_64-unknown-linux-musl ripgrep-v13.0.0-13-x86_64-unknown-linux-musl; do
  tar -C "$TMPDIR/rg" -czf "$cache/$asset.tar.gz" rg
done

# 3. The skipped install scripts: argon2 and code-server's postinstall (which
#    installs VS Code's own dependencies and builds the native modules).
npm rebuild --unsafe-perm argon2 code-server
test -x node_modules/.bin/code-server
