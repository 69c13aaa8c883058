"""``chat-rec eval roles``: the per-model roles table (docs/roles.md) for a configured model.

Data comes from outside the repository (``../shared/data``); nothing here downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from chat_rec.settings import BENCHMARK_RANKING, get_settings


def roles(
    redial: Path | None = typer.Option(
        None, "--redial", help="ReDial dialogs, e.g. ../shared/data/redial/dialogs_sample.jsonl"
    ),
    movies: Path | None = typer.Option(None, "--movies", help="ReDial movies.csv (with --redial)"),
    inspired: Path | None = typer.Option(
        None, "--inspired", help="INSPIRED dev.tsv, e.g. ../shared/data/inspired/dev.tsv"
    ),
    movielens: Path | None = typer.Option(None, "--movielens", help="MovieLens-small folder (with --inspired)"),
    metadata: Path | None = typer.Option(None, "--metadata", help="MovieLens movies_w_keywords.csv to enrich titles"),
    tmdb: Path | None = typer.Option(None, "--tmdb", help="TMDB movies CSV (popularity)"),
    llm: str = typer.Option(
        "llamacpp", "--llm", help="llamacpp | openai (settings as for chat: CHAT_REC_LLM_MODEL, OPENAI_BASE_URL)"
    ),
    role_sets: list[str] = typer.Option(
        ["explain", "pick"], "--roles", help="a role set to score (repeatable), e.g. pick,explain"
    ),
    turns: int = typer.Option(200, "--turns", help="turns per data set, spread over the run"),
    cache: Path | None = typer.Option(None, "--cache", help="folder for the derived catalogs, indexes and signals"),
    out: Path | None = typer.Option(None, "--out", help="write the rows as JSON here"),
) -> None:
    """Score role sets with one model: shown recall@3 vs the ranking's top 3, reasons, latency."""
    from chat_rec.errors import InputError
    from chat_rec.eval.crs_bench import BenchOptions
    from chat_rec.eval.crs_run import BenchSpec, prepare_inspired, prepare_redial, ranking
    from chat_rec.eval.roles import score_role_set, table
    from chat_rec.llm import make_llm
    from chat_rec.llm.roles import parse_roles

    if llm not in ("llamacpp", "openai"):
        raise InputError(f"unknown --llm {llm!r}", "Use llamacpp or openai.")
    if not redial and not inspired:
        raise InputError(
            "no data set given", "Pass --redial DIALOGS --movies CSV and/or --inspired DEV --movielens DIR."
        )
    for role_set in role_sets:
        parse_roles(role_set)  # a typo fails before any model work
    home = cache or get_settings().home / "bench"
    runs: list[tuple[str, Any, Path]] = []
    if redial:
        if movies is None:
            raise InputError("--redial needs --movies", "Pass ReDial's movies.csv.")
        from chat_rec.cli.eval_crs import training_logs

        logs = training_logs(redial)  # the same logs as `eval redial`
        spec = BenchSpec(redial, home, None, logs, BenchOptions())
        runs.append(("ReDial", prepare_redial(spec, movies, metadata, None, tmdb)[0], BENCHMARK_RANKING))
    if inspired:
        if movielens is None:
            raise InputError("--inspired needs --movielens", "Pass the MovieLens-small folder.")
        from chat_rec.cli.eval_crs import INSPIRED_RANKING

        spec = BenchSpec(inspired, home, None, [], BenchOptions())
        runs.append(("INSPIRED", prepare_inspired(spec, movielens, metadata, tmdb)[0], INSPIRED_RANKING))
    settings = get_settings(llm=llm)
    model = make_llm(settings)
    rows: list[dict[str, Any]] = []
    for name, run, default in runs:
        config = ranking(None, default)  # each data set's own benchmark default, as `eval redial|inspired`
        for role_set in role_sets:
            row = score_role_set(run, config, settings, model, role_set, turns)
            rows.append({"data": name, "llm": model.name if model else None, **row})
            typer.echo(f"{name} {row['roles']}: done", err=True)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    typer.echo(f"model: {model.name if model else None}")
    typer.echo(table(rows))
