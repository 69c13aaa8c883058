"""``chat-rec profile show|forget --user U``: what chat-rec remembers about a user."""

from __future__ import annotations

import json

import typer

from chat_rec.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="See or delete what chat-rec remembers about a user.")


def _titles(ids: list[str] | set[str]) -> list[str]:
    from chat_rec.catalog.load import load_catalog

    settings = get_settings()
    catalog = load_catalog(settings.catalog, settings.catalog_mapping).catalog
    return [catalog.display_title(catalog.by_id[i]) if i in catalog.by_id else i for i in sorted(ids)]


@app.command()
def show(user: str = typer.Option("local", "--user", "-u"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Stated likes and dislikes, feedback, and how many turns are stored."""
    from chat_rec.memory.store import Store

    store = Store(get_settings().store_url)
    prefs = store.preferences(user)
    feedback = store.feedback(user)
    profile = {
        "user": user,
        "liked_items": _titles(set(prefs["like_item"]) | feedback["like"]),
        "disliked_items": _titles(set(prefs["dislike_item"]) | feedback["dislike"]),
        "seen_items": _titles(feedback["seen"]),
        "liked_attributes": prefs["like_attr"],
        "disliked_attributes": prefs["dislike_attr"],
        "turns": len(store.turns(user, limit=100000)),
    }
    if as_json:
        typer.echo(json.dumps(profile, ensure_ascii=False))
        return
    for key, value in profile.items():
        shown = (", ".join(value) or "-") if isinstance(value, list) else value
        typer.echo(f"{key.replace('_', ' ')}: {shown}")


@app.command()
def forget(
    user: str = typer.Option(..., "--user", "-u"), yes: bool = typer.Option(False, "--yes", help="Do not ask.")
) -> None:
    """Delete every turn, feedback row and preference of a user. Cannot be undone."""
    from chat_rec.memory.store import Store

    if not yes and not typer.confirm(f"Delete everything stored about {user!r}?"):
        raise typer.Exit(1)
    Store(get_settings().store_url).forget(user)
    typer.echo(f"forgot {user}")
