#!/usr/bin/env bash
# The whole test command: installs whatever is missing (scripts/setup.sh), then lint,
# types, prompt lock and every test suite that fits. Suites that need ../shared/data,
# Chromium (WITH_BROWSER=1 installs it) or a service skip themselves with a reason.
# Arguments go to pytest, e.g. ./scripts/test.sh -m "not model and not browser"
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
echo "test: ruff, mypy, prompt lint"
.venv/bin/ruff check chat_rec ui tests eval benchmarks || exit 1
.venv/bin/ruff format --check chat_rec ui tests eval benchmarks || exit 1
.venv/bin/mypy || exit 1
.venv/bin/chat-rec prompts lint || exit 1

# PostgreSQL for the store's and the API's PostgreSQL suites: installed (as root) and
# started on 127.0.0.1 by scripts/postgres.sh; those suites skip with the reason if it cannot start.
echo "test: PostgreSQL on 127.0.0.1"
bash scripts/postgres.sh >/dev/null || echo "note: PostgreSQL did not start; its suites will skip"

echo "test: pytest"
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" = "5" ]; then echo "pytest collected no tests"; exit 0; fi
exit $code
