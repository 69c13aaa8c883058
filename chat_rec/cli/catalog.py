"""``chat-rec catalog``: ingest, rebuild, stats, search."""

from __future__ import annotations

from pathlib import Path

import typer

from chat_rec.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Load and inspect the catalog and its index.")


@app.command()
def rebuild() -> None:
    """Drop the index and build it again from the catalog file."""
    from chat_rec.index.chroma import make_client
    from chat_rec.index.space import open_space

    settings = get_settings()
    client = make_client(settings)
    try:
        client.delete_collection(settings.collection)
    except Exception:  # nothing to delete
        pass
    space = open_space(settings, progress=True, chroma_client=client)
    typer.echo(f"rebuilt {space.index.count()} items: {space.sync.summary()}")


@app.command()
def search(query: str, k: int = typer.Option(10, "-k")) -> None:
    """Dense search over the index (a quick look, no ranking)."""
    from chat_rec.index.space import open_space

    space = open_space(get_settings(), progress=True)
    for item_id, score in space.index.query(space.embed_query(query), k):
        item = space.catalog.by_id.get(item_id)
        title = space.catalog.display_title(item) if item else item_id
        typer.echo(f"{score:.3f}  {item_id}  {title}")


@app.command()
def check(path: Path, mapping: Path = typer.Option(..., "--mapping", "-m")) -> None:
    """Validate a catalog file against a mapping without indexing it."""
    from chat_rec.catalog.load import load_catalog

    result = load_catalog(path, mapping)
    for problem in result.problems[:20]:
        typer.echo(str(problem))
    typer.echo(f"{len(result.catalog)} valid of {result.rows_read} rows; {len(result.problems)} problem(s)")
