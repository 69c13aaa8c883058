"""``chat-rec ask MESSAGE``: one turn without the UI, through the same agent."""

from __future__ import annotations

import json
import sys

import typer

from chat_rec.agent.events import Clarify, Done, TextDelta
from chat_rec.settings import get_settings


def ask(
    message: str = typer.Argument(..., help="What you are looking for."),
    user: str = typer.Option("local", "--user", "-u", help="Whose memory to use."),
    conversation: str = typer.Option(
        "cli", "--conversation", "-c", help="Turns in one conversation refine each other."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of streaming text."),
    prompt: list[str] = typer.Option([], "--prompt", help="Pin a prompt version, e.g. recommend@v2 (repeatable)."),
) -> None:
    """Ask for recommendations from the catalog."""
    from chat_rec.agent.turn import Agent

    settings = get_settings()
    agent = Agent.from_settings(settings, progress=True, preload_embedder=False)
    versions = dict(p.split("@", 1) for p in prompt if "@" in p)
    done = None
    options: list[str] = []
    for event in agent.turn(user, message, conversation_id=conversation, prompt_versions=versions):
        if isinstance(event, TextDelta) and not as_json:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, Clarify):
            options = event.options
        elif isinstance(event, Done):
            done = event.turn
    assert done is not None
    catalog = agent.catalog
    recs = [
        {"item_id": item_id, "title": catalog.display_title(catalog.by_id[item_id]), "reason": reason}
        for item_id, reason in done.recommendations
    ]
    if as_json:
        out = {
            "reply": done.reply,
            "recommendations": recs,
            "prompt_version": f"{done.prompt_name}@{done.prompt_version}",
            "llm": done.llm or "none",
            "grounded": done.grounded,
            "kind": done.kind,
            "turn_id": done.id,
        }
        if options:
            out["options"] = options
        if done.fallback_reason:
            out["fallback_reason"] = done.fallback_reason
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    sys.stdout.write("\n")
    if recs:  # the streamed reply already listed the picks: only their ids, for `chat-rec feedback`
        typer.echo("ids: " + "  ".join(f"{n}. {rec['item_id']}" for n, rec in enumerate(recs, 1)))
    if options:
        typer.echo("Options: " + " | ".join(options))
