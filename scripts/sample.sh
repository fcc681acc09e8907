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

mkdir -p "$CACHE_ROOT"
LOG="$CACHE_ROOT/sample.log"
: > "$LOG"

say() { printf '%s\n' "$*"; }
# Set-up chatter (npm, esbuild, apt, code-server's install) goes to the log; the terminal gets one line per step,
# and the log's tail only when a step fails.
quietly() {
  local what="$1"; shift
  printf '• %s… ' "$what"
  if "$@" >>"$LOG" 2>&1; then
    printf 'done\n'
  else
    local rc=$?
    printf 'failed\n\n'
    tail -n 25 "$LOG" | sed 's/^/    /'
    say ""
    say "The whole log: $LOG"
    exit "$rc"
  fi
}

say "Pixtune sample"
if [[ ! -d node_modules/sharp || ! -d node_modules/esbuild || ! -d node_modules/tsx ]]; then
  quietly "installing npm dependencies (about a minute)" npm ci --no-audit --no-fund
fi
quietly "building the extension" node esbuild.js
quietly "preparing the sample dataset in $SAMPLE_DIR" node --import tsx scripts/sample.ts "$SAMPLE_DIR"
grep '^\[sample\]' "$LOG" | sed 's/^\[sample\] /  /' || true

if [[ -n "${PIXTUNE_SAMPLE_NO_OPEN:-}" ]]; then
  say "Done (PIXTUNE_SAMPLE_NO_OPEN is set: not opening an editor). Set-up log: $LOG"
  exit 0
fi

if command -v code >/dev/null 2>&1; then
  say "Opening it in VS Code with Pixtune loaded from $REPO; start with README.md in the sample folder."
  exec code --extensionDevelopmentPath="$REPO" "$SAMPLE_DIR"
fi

say "No 'code' command here: serving VS Code in your browser with code-server instead."
quietly "packaging the extension" node scripts/package.mjs --reuse-if-fresh
quietly "checking code-server (installed the first time: about 3 minutes)" bash scripts/setup-e2e.sh
CODE_SERVER="$(bash scripts/setup-e2e.sh --print-path)"

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
quietly "installing Pixtune into it" "$CODE_SERVER" "${COMMON[@]}" --install-extension dist/pixtune-linux-x64.vsix --force

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
    say "code-server stopped before it was ready; its log ($STATE/code-server.log):"; tail -n 25 "$STATE/code-server.log"; exit 1
  fi
  sleep 0.2
done

FOLDER_URL="${URL}?folder=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$SAMPLE_DIR")"
cat <<EOF

Pixtune is running on the sample. Open this in a browser:

    $FOLDER_URL

What to do next (the sample's README.md walks through it, and so does the walkthrough
"Get started with Pixtune" under Help → Welcome):
  1. Pixtune in the activity bar → Datasets: aid-sample is already added (8 classes, a few broken files).
  2. Check Dataset Health, then Generate Training Data on aid-sample.
  3. Start Local Sandbox and Launch Fine-Tuning on the run: a free rehearsal, no API key needed.
  4. Evaluate the base model and the fine-tuned one, and review their predictions side by side.

Sample folder: $SAMPLE_DIR
Logs: $LOG and $STATE/code-server.log
Press Ctrl-C to stop.
EOF
wait "$SERVER_PID"
