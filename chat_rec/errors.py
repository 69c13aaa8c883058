"""One error family. Every error carries a next step the user can take.

Deliberately left out: error codes and i18n. The CLI prints ``str(error)`` on one line
and exits non-zero; the UI shows the same text.
"""

from __future__ import annotations


class ChatRecError(Exception):
    """Base class: ``message`` says what went wrong, ``hint`` what to do next."""

    hint = "See README.md."

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} -> {self.hint}"


class ConfigError(ChatRecError):
    hint = "Check your CHAT_REC_* environment variables (see README.md, 'Settings')."


class CatalogError(ChatRecError):
    hint = "Check the catalog file and its mapping file (`chat-rec catalog ingest --help`)."


class IndexMismatchError(ChatRecError):
    hint = "Rebuild the index with `chat-rec catalog rebuild`."


class LLMError(ChatRecError):
    hint = "Check the LLM settings (CHAT_REC_LLM, CHAT_REC_LLM_MODEL, OPENAI_BASE_URL) or the server."


class PromptError(ChatRecError):
    hint = "Run `chat-rec prompts lint` and fix the reported prompt file."


class InputError(ChatRecError):
    hint = "Rephrase the message and try again."


class StoreError(ChatRecError):
    hint = "Check CHAT_REC_HOME is writable; your data was not changed."
