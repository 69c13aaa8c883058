"""``chat-rec eval roles``: the per-model roles table (docs/roles.md) for a configured model.

Data comes from outside the repository (``../shared/data``); nothing here downloads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from chat_rec.settings import get_settings


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
    ratings: Path | None = typer.Option(
        None,
        "--ratings",
        help="MovieLens ratings.csv (with --redial): each linked film's mean rating, a learned ranker's input",
    ),
    llm: str = typer.Option(
        "llamacpp", "--llm", help="llamacpp | openai (settings as for chat: CHAT_REC_LLM_MODEL, OPENAI_BASE_URL)"
    ),
    role_sets: list[str] = typer.Option(
        ["explain", "pick"], "--roles", help="a role set to score (repeatable), e.g. pick,explain"
    ),
    turns: int = typer.Option(200, "--turns", help="turns per data set, spread over the run"),
    cache: Path | None = typer.Option(None, "--cache", help="folder for the derived catalogs, indexes and signals"),
    out: Path | None = typer.Option(
        None, "--out", help="write the rows as JSON here (rewritten after every turn, so a stopped run still reports)"
    ),
    record: Path | None = typer.Option(
        None, "--record", help="JSONL of the model's answers: recorded on first use, replayed after"
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="score only the first N of the sampled turns (they are in an order spread over the data)"
    ),
    turns_cache: Path | None = typer.Option(
        None,
        "--turns-cache",
        help="folder keeping the sampled turns (request, reading, ranked candidates): a later run with the same "
        "--turns and ranking version skips the benchmark's reading and ranking",
    ),
    show: Path | None = typer.Option(
        None, "--show", help="print the table of a JSON file --out wrote (a stopped run's too) and exit"
    ),
    replay: bool = typer.Option(
        False, "--replay", help="with --record: answers only from the file (no model; latency is not measured)"
    ),
) -> None:
    """Score role sets with one model: shown recall@3 vs the ranking's top 3, reasons, latency."""
    from chat_rec.errors import InputError
    from chat_rec.eval.crs_run import ranking, redial_setup
    from chat_rec.eval.roles import RoleTurn, load_turns, save_turns, score_role_set, table, turns_cache_path
    from chat_rec.eval.roles_data import inspired_space, inspired_turns, redial_turns
    from chat_rec.llm import make_llm
    from chat_rec.llm.roles import parse_roles

    if show is not None:
        if not show.exists():
            raise InputError(f"{show} does not exist", "Pass the file a run wrote with --out.")
        shown = json.loads(show.read_text(encoding="utf-8"))
        typer.echo(table(shown))
        if any(r.get("partial") for r in shown):
            typer.echo("(a row marked partial covers the turns finished before the run stopped)")
        return
    if llm not in ("llamacpp", "openai"):
        raise InputError(f"unknown --llm {llm!r}", "Use llamacpp or openai.")
    if not redial and not inspired:
        raise InputError(
            "no data set given", "Pass --redial DIALOGS --movies CSV and/or --inspired DEV --movielens DIR."
        )
    for role_set in role_sets:
        parse_roles(role_set)  # a typo fails before any model work
    home = cache or get_settings().home / "bench"
    runs: list[tuple[str, Any, list[RoleTurn]]] = []  # data set, item space, sampled turns

    def add_run(
        name: str, version: str, space: Callable[[], Any], sample: Callable[[], tuple[Any, list[RoleTurn]]]
    ) -> None:
        """The data set's sampled turns: from ``--turns-cache`` when kept for this ranking, else sampled (and kept)."""
        saved = turns_cache_path(turns_cache, name.lower(), turns, version) if turns_cache else None
        if saved and saved.exists():
            runs.append((name, space(), load_turns(saved)))
            return
        runs.append((name, *sample()))
        if saved:
            save_turns(saved, runs[-1][2])

    if redial:
        if movies is None:
            raise InputError("--redial needs --movies", "Pass ReDial's movies.csv.")
        from chat_rec.cli.eval_crs import training_logs
        from chat_rec.eval.crs_catalogs import RedialFiles
        from chat_rec.eval.crs_run import redial_ranking

        files = RedialFiles(movies, metadata, tmdb=tmdb, ratings=ratings)
        config, note = redial_ranking(None, ratings)  # each data set's own benchmark default, as `eval redial`
        if note:
            typer.echo(f"note: {note}", err=True)
        logs = training_logs(redial)  # the same logs as `eval redial`
        add_run(
            "ReDial",
            config.version,
            lambda: redial_setup(home, files).space,
            lambda: redial_turns(redial, files, home, config, turns, logs),
        )
    if inspired:
        if movielens is None:
            raise InputError("--inspired needs --movielens", "Pass the MovieLens-small folder.")
        from chat_rec.cli.eval_crs import INSPIRED_RANKING

        inspired_config = ranking(None, INSPIRED_RANKING)
        add_run(
            "INSPIRED",
            inspired_config.version,
            lambda: inspired_space(movielens, metadata, tmdb, home)[0],
            lambda: inspired_turns(inspired, movielens, metadata, tmdb, home, inspired_config, turns),
        )
    if replay and record is None:
        raise InputError("--replay needs --record FILE", "Pass the file a recording run wrote.")
    settings = get_settings(llm=llm)
    model = None if replay else make_llm(settings)
    if record is not None:
        from chat_rec.llm.recorded import RecordedLLM

        model = RecordedLLM(model, record)
    rows: list[dict[str, Any]] = []
    replayed = {"replayed": replay}

    def write(partial: dict[str, Any] | None = None) -> None:
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            extra = [partial] if partial else []
            out.write_text(json.dumps(rows + extra, indent=2), encoding="utf-8")

    def partial_writer(sink: Any, head: dict[str, Any]) -> Any:
        return lambda row: sink({**head, **row})

    for name, space, sampled in runs:
        for role_set in role_sets:
            head = {"data": name, "llm": model.name if model else None, **replayed}
            row = score_role_set(
                space, sampled[:limit], settings, model, role_set, progress=partial_writer(write, head)
            )
            rows.append({**head, **row})
            write()
            typer.echo(f"{name} {row['roles']}: done", err=True)
    write()
    typer.echo(f"model: {model.name if model else None}")
    typer.echo(table(rows))
