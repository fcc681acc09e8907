#!/usr/bin/env bash
# Creates (or checks) the trainer's Python environment: a virtual environment outside the repo, at
# ${PIXTUNE_CACHE:-$HOME/.cache/pixtune}/venv-<hash>, where <hash> covers src/trainer/requirements.txt, the base
# interpreter's version and any local torch wheel used. A marker file written last makes reruns take about a second;
# an environment without it (an install that was interrupted) is removed and built again.
#
# Usage: scripts/setup-python.sh [--print-python | --check] [--dev]
#   (no flag)        set up if needed; progress on stderr, a summary then the interpreter path on stdout
#   --print-python   set up if needed; stdout holds only the interpreter path (its last and only line)
#   --check          set up nothing: exit 0 and print the path when the environment is ready, exit 1 otherwise
#   --dev            also the developer tools of requirements-dev.txt (pytest, ruff), for the trainer's own tests;
#                    they go into the same environment (users' and CI's share it) behind a marker keyed by that file
#
# Environment: PIXTUNE_CACHE (cache root), PIXTUNE_PYTHON (base interpreter, default python3).
# pip's own configuration applies (index, certificates, find-links). When a find-links folder holds a torch wheel
# for this interpreter (some machine images carry a CPU build there), that wheel is installed instead of the
# pinned CUDA build from PyPI, which is several GB.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# PIXTUNE_REQUIREMENTS: an installed extension has no src/; it runs the copy of this script in dist/trainer with it.
REQUIREMENTS="${PIXTUNE_REQUIREMENTS:-$ROOT/src/trainer/requirements.txt}"
CACHE_ROOT="${PIXTUNE_CACHE:-$HOME/.cache/pixtune}"
BASE_PYTHON="${PIXTUNE_PYTHON:-python3}"
DEV_REQUIREMENTS="${PIXTUNE_DEV_REQUIREMENTS:-$(dirname "$REQUIREMENTS")/requirements-dev.txt}"
MODE=""
DEV=""
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --print-python | --check) [[ -z "$MODE" ]] || { echo "setup-python.sh: give only one of --print-python and --check" >&2; exit 2; }; MODE="$arg" ;;
    *) echo "setup-python.sh: unknown option $arg (expected --print-python, --check or --dev)" >&2; exit 2 ;;
  esac
done

log() { printf '[setup-python] %s\n' "$*" >&2; }
die() { printf '[setup-python] error: %s\n' "$*" >&2; exit 1; }

command -v "$BASE_PYTHON" >/dev/null 2>&1 || die "no Python interpreter '$BASE_PYTHON' (install Python 3.10+ or set PIXTUNE_PYTHON)."
PY_VERSION="$("$BASE_PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
"$BASE_PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "Python $PY_VERSION is too old for the trainer (3.10+ needed; set PIXTUNE_PYTHON)."
"$BASE_PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
  || die "Python $PY_VERSION has no venv/ensurepip module (on Debian: apt-get install python3-venv)."

# A torch wheel for this interpreter in one of pip's find-links folders, if any (newest by version sort).
local_torch_wheel() {
  local links dir tag
  tag="cp$("$BASE_PYTHON" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
  links="${PIP_FIND_LINKS:-} $("$BASE_PYTHON" -m pip config list 2>/dev/null | sed -n "s/^[^=]*find-links='\(.*\)'$/\1/p" | tr '\n' ' ')"
  for dir in $links; do
    [[ -d "$dir" ]] || continue
    find "$dir" -maxdepth 1 -name "torch-*-${tag}-*linux*.whl" 2>/dev/null
  done | sort -V | tail -n 1
}
TORCH_WHEEL="$(local_torch_wheel || true)"

HASH="$( { cat "$REQUIREMENTS"; echo "python $PY_VERSION"; echo "torch-wheel $(basename "${TORCH_WHEEL:-none}")"; } \
  | sha256sum | cut -c1-12)"
VENV="$CACHE_ROOT/venv-$HASH"
PYTHON="$VENV/bin/python"
MARKER="$VENV/.pixtune-setup-complete"
if [[ -n "$DEV" ]]; then
  [[ -f "$DEV_REQUIREMENTS" ]] || die "no developer requirements at $DEV_REQUIREMENTS"
  DEV_MARKER="$VENV/.pixtune-dev-$(sha256sum <"$DEV_REQUIREMENTS" | cut -c1-12)"
fi

is_ready() { [[ -f "$MARKER" && -x "$PYTHON" ]]; }
dev_ready() { [[ -z "$DEV" || -f "$DEV_MARKER" ]]; }

if [[ "$MODE" == "--check" ]]; then
  if is_ready && dev_ready; then echo "$PYTHON"; exit 0; fi
  log "the trainer environment is not set up ($VENV${DEV:+, with the developer tools}); run scripts/setup-python.sh${DEV:+ --dev}"
  exit 1
fi

mkdir -p "$CACHE_ROOT"
# Two callers at once (a test run and the extension, say) must not build the same folder together.
exec 9>"$CACHE_ROOT/venv-$HASH.lock"
if ! flock -n 9; then
  log "another setup of $VENV is running; waiting for it"
  flock 9
fi

if is_ready; then
  log "cached: $VENV"
else
  started=$(date +%s)
  if [[ -e "$VENV" ]]; then log "removing an unfinished environment at $VENV"; rm -rf "$VENV"; fi
  log "creating $VENV (Python $PY_VERSION); a fresh install downloads several GB and takes minutes"
  "$BASE_PYTHON" -m venv "$VENV"
  "$PYTHON" -m pip install --quiet --upgrade pip >&2
  requirements="$REQUIREMENTS"
  if [[ -n "$TORCH_WHEEL" ]]; then
    log "using the local torch wheel $TORCH_WHEEL"
    "$PYTHON" -m pip install --progress-bar off --no-deps "$TORCH_WHEEL" >&2
    torch_version="$("$PYTHON" -m pip show torch | sed -n 's/^Version: //p')"
    requirements="$VENV/requirements.local.txt"
    sed "s/^torch==.*/torch==$torch_version/" "$REQUIREMENTS" >"$requirements"
  fi
  log "installing $(grep -cv '^\s*\(#\|$\)' "$requirements") pinned packages and their dependencies"
  "$PYTHON" -m pip install --progress-bar off -r "$requirements" 2>&1 \
    | grep --line-buffered -E '^(Collecting|Successfully|ERROR|error)' | sed -u 's/^/[setup-python] pip: /' >&2 \
    || true
  "$PYTHON" -m pip check >&2 || die "pip reports broken requirements in $VENV"
  "$PYTHON" - >&2 <<'PY' || die "the environment at $VENV is incomplete (an import failed; see above)"
import importlib
for name in ("torch", "transformers", "peft", "accelerate", "safetensors", "mistral_common", "cv2", "ray", "PIL"):
    importlib.import_module(name)
from transformers import LlavaForConditionalGeneration, Mistral3ForConditionalGeneration, PixtralVisionConfig  # noqa: F401
PY
  date -u +%Y-%m-%dT%H:%M:%SZ >"$MARKER"
  log "ready in $(( $(date +%s) - started )) s: $VENV"
fi

if ! dev_ready; then
  log "installing the developer tools ($DEV_REQUIREMENTS)"
  "$PYTHON" -m pip install --progress-bar off -r "$DEV_REQUIREMENTS" 2>&1 \
    | grep --line-buffered -E '^(Collecting|Successfully|ERROR|error)' | sed -u 's/^/[setup-python] pip: /' >&2 \
    || true
  "$PYTHON" -m pip check >&2 || die "pip reports broken requirements in $VENV"
  { "$PYTHON" -c 'import pytest' && "$PYTHON" -m ruff --version >/dev/null; } >&2 || die "the developer tools did not install into $VENV (see above)"
  rm -f "$VENV"/.pixtune-dev-*
  date -u +%Y-%m-%dT%H:%M:%SZ >"$DEV_MARKER"
fi

if [[ "$MODE" != "--print-python" ]]; then
  # Versions from package metadata: importing torch and ray would take seconds (`python -m pixtune_trainer env`
  # reports CUDA and GPUs).
  "$PYTHON" -c 'from importlib.metadata import version as v; print(" · ".join(f"{p} {v(p)}" for p in ("torch", "transformers", "peft", "mistral-common", "ray")))'
fi
echo "$PYTHON"
