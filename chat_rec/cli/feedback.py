"""``chat-rec feedback ITEM_ID --user U --like|--dislike|--seen``."""

from __future__ import annotations

import typer

from chat_rec.errors import InputError
from chat_rec.settings import get_settings


def command(
    item_id: str = typer.Argument(..., help="The item's id, as `chat-rec ask --json` prints it."),
    user: str = typer.Option("local", "--user", "-u"),
    like: bool = typer.Option(False, "--like"),
    dislike: bool = typer.Option(False, "--dislike"),
    seen: bool = typer.Option(False, "--seen"),
) -> None:
    """Rate an item: seen and disliked items are never recommended to this user again."""
    from chat_rec.catalog.load import load_catalog
    from chat_rec.memory.store import Store

    kinds = [k for k, on in (("like", like), ("dislike", dislike), ("seen", seen)) if on]
    if len(kinds) != 1:
        raise InputError("give exactly one of --like, --dislike, --seen", "e.g. chat-rec feedback ITEM --like")
    settings = get_settings()
    catalog = load_catalog(settings.catalog, settings.catalog_mapping).catalog
    if item_id not in catalog:
        raise InputError(f"no item {item_id!r} in the catalog", "Use an id printed by `chat-rec ask --json`.")
    Store(settings.store_url).add_feedback(user, item_id, kinds[0])
    typer.echo(f"{user}: {kinds[0]} {catalog.display_title(catalog.by_id[item_id])}")
