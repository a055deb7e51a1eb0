#!/bin/sh
# The "VS Code executable" handed to @vscode/test-electron's runTests (nothing is downloaded): runs the
# tests in code-server's extension host through headless chromium. Any node on PATH runs the launcher;
# code-server itself runs on node 24 (installed by scripts/install-host.sh).
HERE=$(dirname "$(readlink -f "$0")")
exec node "$HERE/runExtTests.js" "$@"
