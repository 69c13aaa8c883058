"""Fit a prompt's inputs into the model's context window, dropping the least important first.

Priority (kept longest to shortest): the item's facts, the current request, older turns.
Trims, in order: drop the oldest history turn until none is left, then shorten the item
description, then shorten the request. Tokens are estimated as characters / 4, which errs
on the safe side for English with small-vocabulary models.

Deliberately left out: real tokenisation (it would tie prompts to one model's tokenizer).
"""

from __future__ import annotations

from typing import Any

from chat_rec.prompts.registry import PromptFile


def estimate_tokens(prompt: PromptFile, inputs: dict[str, Any]) -> int:
    return sum(len(m["content"]) for m in prompt.render(**inputs)) // 4 + 8


def fit_inputs(prompt: PromptFile, inputs: dict[str, Any], budget: int) -> dict[str, Any]:
    """A copy of ``inputs`` whose rendered prompt fits ``budget`` tokens (as far as trims allow)."""
    fitted = dict(inputs)
    while estimate_tokens(prompt, fitted) > budget and fitted.get("history"):
        fitted["history"] = list(fitted["history"])[1:]
    item = fitted.get("item")
    if estimate_tokens(prompt, fitted) > budget and isinstance(item, dict) and item.get("description"):
        fitted["item"] = {**item, "description": str(item["description"])[:120]}
    over = estimate_tokens(prompt, fitted) - budget
    request = fitted.get("request")
    if over > 0 and isinstance(request, str):
        fitted["request"] = request[: max(80, len(request) - over * 4)]
    return fitted
