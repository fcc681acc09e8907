#!/usr/bin/env bash
# `npm run sample`: the first thing to try. Builds the extension, generates a small AID-like sample dataset
# (8 classes × 30 aerial-looking tiles and a few broken files) and opens it with Pixtune:
#   - in your VS Code when the `code` command exists (as an extension development host), or
#   - in code-server (the VS Code workbench in a browser) otherwise: prints the URL to open and stays in the
#     foreground until Ctrl-C.
# No API key is needed to look at datasets.
#
# Environment: PIXTUNE_SAMPLE_DIR (default ~/pixtune-sample), PIXTUNE_SAMPLE_PORT (default: a free port),
#              PIXTUNE_SAMPLE_FRESH=1 regenerates the sample, PIXTUNE_SAMPLE_NO_OPEN=1 stops after generating.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
SAMPLE_DIR="${PIXTUNE_SAMPLE_DIR:-$HOME/pixtune-sample}"
CACHE_ROOT="${PIXTUNE_CACHE:-$HOME/.cache/pixtune}"

say() { printf '[sample] %s\n' "$*"; }

if [[ ! -d node_modules/sharp || ! -d node_modules/esbuild || ! -d node_modules/tsx ]]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

say "building"
node esbuild.js

say "generating the sample dataset in $SAMPLE_DIR"
node --import tsx scripts/sample.ts "$SAMPLE_DIR"

if [[ -n "${PIXTUNE_SAMPLE_NO_OPEN:-}" ]]; then
  say "done (PIXTUNE_SAMPLE_NO_OPEN is set, not opening an editor)"
  exit 0
fi

if command -v code >/dev/null 2>&1; then
  say "opening it in VS Code with the extension loaded from $REPO"
  exec code --extensionDevelopmentPath="$REPO" "$SAMPLE_DIR"
fi

say "no 'code' command: serving VS Code from code-server instead"
node scripts/package.mjs --reuse-if-fresh
CODE_SERVER="$(bash scripts/setup-e2e.sh | tail -n 1)"

STATE="$CACHE_ROOT/sample-code-server"
mkdir -p "$STATE/user-data/User" "$STATE/extensions"
: > "$STATE/config.yaml"
if [[ ! -f "$STATE/user-data/User/settings.json" ]]; then
  cat > "$STATE/user-data/User/settings.json" <<'EOF'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false
}
EOF
fi
COMMON=(--config "$STATE/config.yaml" --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions")
"$CODE_SERVER" "${COMMON[@]}" --install-extension dist/pixtune-linux-x64.vsix --force >/dev/null

PORT="${PIXTUNE_SAMPLE_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
URL="http://127.0.0.1:$PORT/"
# Own process group (setsid), so Ctrl-C here also stops its extension host and watchers.
setsid "$CODE_SERVER" "${COMMON[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override "$SAMPLE_DIR" \
  > "$STATE/code-server.log" 2>&1 &
SERVER_PID=$!
stop() { kill -TERM -- "-$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
trap 'stop; exit 0' INT TERM
trap stop EXIT

for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "${URL}healthz" 2>/dev/null || node -e "fetch('${URL}healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "code-server stopped; its log:"; cat "$STATE/code-server.log"; exit 1
  fi
  sleep 0.2
done

echo
say "Open ${URL}?folder=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$SAMPLE_DIR") in a browser"
say "(the Pixtune icon is in the activity bar; right-click aid-sample in the Explorer → Add as Dataset)"
say "code-server log: $STATE/code-server.log — press Ctrl-C to stop"
wait "$SERVER_PID"
