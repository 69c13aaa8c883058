#!/usr/bin/env bash
# Open the chat UI on the built-in catalog with the local model, installing whatever is
# missing first (scripts/setup.sh: a no-op when everything is installed).
# Arguments go to `chat-rec chat`, e.g. ./scripts/chat.sh --port 8502 --headless
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/chat-rec chat "$@"
