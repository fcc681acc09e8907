#!/usr/bin/env bash
# Sets up the real-VS-Code test bed: Debian Chromium + code-server 4.100.3 (VS Code 1.100.3) from npm.
# Idempotent and cached: apt is skipped when every package is present, and code-server is installed once into
# ${PIXTUNE_CACHE:-$HOME/.cache/pixtune}/code-server-4.100.3 (outside the repo) with a marker file, so reruns
# take well under a second. Used by .ci/run on a fresh Debian 12 box (as root) and by developers.
#
# code-server's own npm postinstall cannot run offline here (it downloads ripgrep from GitHub and refuses to run
# as root), so this follows the recipe in ENVIRONMENT.md: install with --ignore-scripts, then rebuild only the
# native modules we need and put Debian's ripgrep where VS Code looks for it.
#
# Prints the code-server executable path as its last line (`scripts/setup-e2e.sh --print-path` prints only that).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
CACHE_ROOT="${PIXTUNE_CACHE:-$HOME/.cache/pixtune}"
INSTALL_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
MARKER="$INSTALL_DIR/.pixtune-setup-complete"
EXECUTABLE="$INSTALL_DIR/node_modules/.bin/code-server"
# python3-sklearn: the evaluation metrics are checked against scikit-learn (test/unit/evaluation).
APT_PACKAGES=(chromium libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev pkg-config ripgrep python3-sklearn)

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$EXECUTABLE"
  exit 0
fi

log() { printf '[setup-e2e] %s\n' "$*" >&2; }

# npm >= 11.1x blocks dependency install scripts unless the project's package.json lists them in `allowScripts`
# (`npm rebuild` then silently skips them). Approve exactly the native modules we rebuild; older npm runs them anyway.
approve_scripts() {
  if npm install-scripts ls >/dev/null 2>&1; then
    npm install-scripts approve "$@" >&2
  fi
}

# --- 1. Debian packages ------------------------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  log "apt: all packages present (${APT_PACKAGES[*]})"
else
  log "apt: installing ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- 2. code-server ----------------------------------------------------------------------------------------------
if [[ -f "$MARKER" && -x "$EXECUTABLE" ]]; then
  log "code-server $CODE_SERVER_VERSION: cached in $INSTALL_DIR"
else
  log "code-server $CODE_SERVER_VERSION: installing into $INSTALL_DIR (about 3 minutes)"
  # A half-finished install (no marker) is not trusted: start again from scratch.
  rm -rf "$INSTALL_DIR"
  mkdir -p "$INSTALL_DIR"
  cd "$INSTALL_DIR"
  # A package.json of our own keeps npm from walking up to some other project.
  printf '{ "name": "pixtune-code-server-cache", "private": true }\n' > package.json
  # An empty config of our own, so that `--version` does not write ~/.config/code-server/config.yaml.
  : > config.yaml

  # Native rebuilds (kerberos, node-pty, argon2, …) need Node's headers. Where npm's `nodedir` is not preset, node-gyp
  # would download them, which this network does not allow: point it at the running Node's own install, which
  # carries include/node/node.h (Debian's and the official tarballs both do).
  if [[ -z "${npm_config_nodedir:-}" && "$(npm config get nodedir 2>/dev/null)" =~ ^(|undefined|null)$ ]]; then
    node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    if [[ -f "$node_prefix/include/node/node.h" ]]; then
      export npm_config_nodedir="$node_prefix"
      log "npm nodedir was not set: using $node_prefix (Node's own headers)"
    else
      log "warning: npm nodedir is not set and $node_prefix/include/node/node.h is missing; native rebuilds may try to download headers"
    fi
  fi
  export npm_config_unsafe_perm=true    # as root, older npm refuses to run the install scripts without it
  export npm_config_yes=true            # node-pty's build calls `npx node-gyp`
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

  log "npm install --ignore-scripts code-server@$CODE_SERVER_VERSION"
  npm install --ignore-scripts --no-save "code-server@$CODE_SERVER_VERSION" >&2

  VSCODE_DIR="$INSTALL_DIR/node_modules/code-server/lib/vscode"
  cd "$VSCODE_DIR"
  log "lib/vscode: npm install --omit=dev --ignore-scripts"
  npm install --omit=dev --ignore-scripts >&2
  log "lib/vscode: rebuilding native modules (kerberos node-pty @vscode/spdlog native-watchdog @parcel/watcher @vscode/deviceid)"
  approve_scripts kerberos node-pty @vscode/spdlog native-watchdog @parcel/watcher @vscode/deviceid
  npm rebuild kerberos node-pty @vscode/spdlog native-watchdog @parcel/watcher @vscode/deviceid >&2

  log "lib/vscode: using Debian's ripgrep instead of the GitHub download"
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  ln -sfn node_modules node_modules.asar
  (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
  (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)

  log "lib/vscode/extensions: npm install --omit=dev"
  (cd extensions && npm install --omit=dev >&2)

  # argon2 is hoisted to the cache project's node_modules, so it is rebuilt from there.
  cd "$INSTALL_DIR"
  log "code-server: npm rebuild argon2"
  approve_scripts argon2
  npm rebuild argon2 >&2

  version="$("$EXECUTABLE" --config "$INSTALL_DIR/config.yaml" --version 2>/dev/null | head -n1)"
  if [[ "$version" != "$CODE_SERVER_VERSION"* ]]; then
    log "code-server --version printed '$version', expected $CODE_SERVER_VERSION: the install is broken"
    exit 1
  fi
  date -u +%FT%TZ > "$MARKER"
  log "code-server $CODE_SERVER_VERSION: installed"
fi

log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'not runnable')"
log "code-server: $("$EXECUTABLE" --config "$INSTALL_DIR/config.yaml" --version 2>/dev/null | head -n1)"
echo "$EXECUTABLE"
