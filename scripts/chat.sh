#!/usr/bin/env bash
# Open the chat UI on the built-in catalog with the local model.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/chat-rec chat "$@"
