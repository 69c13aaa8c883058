#!/usr/bin/env bash
# The whole test command: lint, types, prompt lock, and every test suite that fits.
# Suites that need ../shared/data or Chromium skip themselves (with a reason) when absent.
set -uo pipefail
cd "$(dirname "$0")/.."
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
.venv/bin/ruff check chat_rec ui tests eval benchmarks || exit 1
.venv/bin/ruff format --check chat_rec ui tests eval benchmarks || exit 1
.venv/bin/mypy || exit 1
if .venv/bin/chat-rec prompts --help >/dev/null 2>&1; then
  .venv/bin/chat-rec prompts lint || exit 1
fi
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" = "5" ]; then echo "pytest collected no tests"; exit 0; fi
exit $code
