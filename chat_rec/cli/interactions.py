"""``chat-rec interactions``: ingest interaction logs into collaborative signals."""

from __future__ import annotations

from pathlib import Path

import typer

from chat_rec.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Interaction logs: ingest them, see what the signals know.")


@app.command()
def ingest(
    path: Path = typer.Argument(..., help="CSV/TSV/JSONL/Parquet log, MovieLens ratings.csv or ReDial dialogs"),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="interaction mapping YAML"),
    kind: str | None = typer.Option(None, "--kind", help="events | movielens | redial (when no mapping)"),
    weight: float | None = typer.Option(None, "--weight", help="how much this source counts (default from mapping)"),
    append: bool = typer.Option(False, "--append", help="add to the source's earlier events instead of replacing"),
) -> None:
    """Link a log to catalog items, print the validation report, store the events."""
    from chat_rec.index.space import open_space
    from chat_rec.signals.importers import load_interaction_mapping, read_interactions
    from chat_rec.signals.store import save_events

    settings = get_settings()
    if kind is None and mapping is None:
        kind = "movielens" if path.name == "ratings.csv" else "redial" if path.suffix == ".jsonl" else "events"
    spec = load_interaction_mapping(mapping, kind)
    space = open_space(settings, progress=True)
    frame, report = read_interactions(path, space.catalog, spec)
    saved = save_events(settings, frame, report, weight=spec.weight if weight is None else weight, append=append)
    typer.echo(report.summary())
    typer.echo(f"stored in {saved}")


@app.command()
def stats() -> None:
    """What the signals know: sources, sessions, events, co-occurring pairs."""
    from chat_rec.index.space import open_space
    from chat_rec.signals.collab import CollabSignals
    from chat_rec.signals.store import load_signals

    settings = get_settings()
    space = open_space(settings, progress=True)
    signals = load_signals(settings, space)
    if not isinstance(signals, CollabSignals):
        typer.echo("no interactions yet: collaborative features are zero (content signals only)")
        return
    for row in signals.describe():
        typer.echo(", ".join(f"{k}={v}" for k, v in row.items()))
    top = [space.catalog.display_title(space.catalog.by_id[i]) for i in signals.top_popular(10)]
    typer.echo("most popular: " + "; ".join(top))
