"""``chat-rec eval redial`` and ``chat-rec eval inspired``: public CRS benchmarks.

The eval command group registers :func:`redial` and :func:`inspired` as its commands.
Data comes from outside the repository (``../shared/data``); nothing here downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from chat_rec.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from chat_rec.agent.rank import RankingConfig

KEYS = ("recall@1", "recall@10", "recall@50", "recall_new@1", "recall_new@10", "recall_new@50", "ndcg@10", "mrr@10")


def _cache(cache: Path | None) -> Path:
    return cache or get_settings().home / "bench"


def _interactions(paths: list[Path], kinds: list[str], weights: list[float]) -> list[Any]:
    from chat_rec.eval.crs_run import Interaction

    out = []
    for n, path in enumerate(paths):
        kind = kinds[n] if n < len(kinds) else ("movielens" if path.name == "ratings.csv" else "redial")
        weight = weights[n] if n < len(weights) else 1.0
        out.append(Interaction(path, kind, weight))
    return out


INSPIRED_RANKING = PROJECT_ROOT / "ranking" / "v4.yaml"
TRAINING_FILES = ("train_sample.jsonl", "train_more.jsonl")


def training_logs(dialogs: Path) -> list[Any]:
    """The ReDial training dialogs next to ``dialogs`` (never ``dialogs`` itself), read
    as ONE co-mention source: they are one population of dialogs split over two files."""
    from chat_rec.eval.crs_run import Interaction

    files = [dialogs.parent / name for name in TRAINING_FILES]
    found = [f for f in files if f.exists() and f.resolve() != dialogs.resolve()]
    return [Interaction(f, "redial", 1.0, source="redial-train") for f in found]


def print_table(report: dict[str, Any]) -> None:
    typer.echo(f"{'system':24s} " + " ".join(f"{k:>13s}" for k in KEYS))
    rows = {**report["baselines"], **report["ablation"]}
    for name, metrics in rows.items():
        typer.echo(f"{name:24s} " + " ".join(f"{metrics[k]:13.3f}" for k in KEYS))
    policy = report["policy"]
    typer.echo(
        "recall@k: the whole list (items the user named stay in it, as published systems are scored); "
        "recall_new@k: the agent's list, which never names them again "
        f"(all targets there: R@10 {policy['recall@10']:.3f}, R@50 {policy['recall@50']:.3f})"
    )
    typer.echo(
        f"{report['n_targets']} targets ({report['n_targets_new']} new) in {report['turns']} turns; "
        f"grounded rate {report['grounded_rate']:.3f}; {report['ms_per_turn']:.0f} ms/turn "
        f"({report.get('cpu_ms_per_turn', 0):.0f} ms of CPU)"
    )


def redial(
    dialogs: Path = typer.Argument(..., help="ReDial dialogs (JSONL), e.g. ../shared/data/redial/dialogs_sample.jsonl"),
    movies: Path = typer.Option(..., "--movies", help="ReDial movies.csv (movieId,movieName)"),
    metadata: Path | None = typer.Option(None, "--metadata", help="MovieLens movies_w_keywords.csv to enrich titles"),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="catalog mapping for --metadata (default: the MovieLens keyword file's layout)"
    ),
    tmdb: Path | None = typer.Option(None, "--tmdb", help="TMDB movies CSV: vote counts as the catalog's popularity"),
    ratings: Path | None = typer.Option(
        None, "--ratings", help="MovieLens ratings.csv: each linked film's mean rating (a learned ranker's input)"
    ),
    ranking_config: Path | None = typer.Option(
        None,
        "--ranking",
        help="ranking config to score (default: settings.BENCHMARK_RANKING; without --ratings, BENCHMARK_RANKING_WITHOUT_RATINGS)",
    ),
    interactions: list[Path] = typer.Option(
        [], "--interactions", help="training logs (default: the ReDial training dialogs next to DIALOGS)"
    ),
    kind: list[str] = typer.Option([], "--kind", help="redial | movielens | events, one per --interactions"),
    weight: list[float] = typer.Option([], "--weight", help="source weight, one per --interactions"),
    limit: int | None = typer.Option(None, "--limit", help="only the first N dialogs"),
    out: Path | None = typer.Option(None, "--out", help="write the metrics JSON here"),
    cache: Path | None = typer.Option(None, "--cache", help="folder for the derived catalog, index and signals"),
    query_turns: int = typer.Option(4, "--query-turns", help="how many recent utterances form the query"),
    llm: str | None = typer.Option(None, "--llm", help="also score the shown picks with this LLM: llamacpp | openai"),
    llm_turns: int = typer.Option(30, "--llm-turns", help="with --llm: how many turns (spread over the run)"),
) -> None:
    """Score the agent's ranking on ReDial (Recall@1/10/50, NDCG@10, MRR@10; all and new items)."""
    from chat_rec.eval.crs_bench import BenchOptions
    from chat_rec.eval.crs_catalogs import RedialFiles
    from chat_rec.eval.crs_run import BenchSpec, prepare_redial, redial_ranking

    config, note = redial_ranking(ranking_config, ratings)
    if note:
        typer.echo(f"note: {note}", err=True)
    logs = _interactions(interactions, kind, weight) if interactions else training_logs(dialogs)
    spec = BenchSpec(dialogs, _cache(cache), limit, logs, BenchOptions(query_turns=query_turns))
    run, _ = prepare_redial(spec, RedialFiles(movies, metadata, mapping, tmdb, ratings))
    _score_and_print(run, config, out, llm, llm_turns)


def _score_and_print(
    run: Any, config: RankingConfig, out: Path | None, llm: str | None = None, llm_turns: int = 30
) -> None:
    from chat_rec.eval.crs_bench import full_report

    report = full_report(run, config)
    if llm:
        report["shown"] = _score_shown(run, config, llm, llm_turns)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dump(report), encoding="utf-8")
    print_table(report)
    if "shown" in report:
        shown = report["shown"]
        recall = next(v for k, v in shown.items() if k.startswith("recall_shown@"))
        typer.echo(
            f"with {shown['llm']} on {shown['turns']} turns: shown recall {recall:.3f} "
            f"(ranking head {next(v for k, v in shown.items() if k.startswith('recall_ranked@')):.3f}), "
            f"grounded {shown['grounded_rate_shown']:.3f}, model reasons kept {shown['model_reasons_kept']:.2f}, "
            f"compose p50 {shown['compose_ms_p50'] / 1000:.1f}s"
        )
    if out:
        from chat_rec.eval.report_bench import write_json_report

        md, page = write_json_report(out)
        typer.echo(f"wrote {out}, {md.name} and {page.name}")


def _score_shown(run: Any, config: Any, llm: str, turns: int) -> dict[str, Any]:
    from chat_rec.errors import InputError
    from chat_rec.eval.crs_llm import score_shown
    from chat_rec.llm import make_llm

    if llm not in ("llamacpp", "openai"):
        raise InputError(f"unknown --llm {llm!r}", "Use llamacpp or openai (or leave --llm out).")
    settings = get_settings(llm=llm)
    return score_shown(run, config, settings, make_llm(settings), turns)


def inspired(
    dev: Path = typer.Argument(..., help="INSPIRED dialogs (TSV), e.g. ../shared/data/inspired/dev.tsv"),
    movielens: Path = typer.Option(..., "--movielens", help="folder with MovieLens-small movies.csv"),
    metadata: Path | None = typer.Option(None, "--metadata", help="MovieLens movies_w_keywords.csv"),
    tmdb: Path | None = typer.Option(None, "--tmdb", help="TMDB movies CSV"),
    ranking_config: Path | None = typer.Option(
        None, "--ranking", help="ranking config to score (default: ranking/v4.yaml, the weighted sum)"
    ),
    interactions: list[Path] = typer.Option([], "--interactions", help="interaction logs"),
    kind: list[str] = typer.Option([], "--kind", help="redial | movielens | events, one per --interactions"),
    weight: list[float] = typer.Option([], "--weight", help="source weight, one per --interactions"),
    limit: int | None = typer.Option(None, "--limit"),
    out: Path | None = typer.Option(None, "--out"),
    cache: Path | None = typer.Option(None, "--cache"),
    query_turns: int = typer.Option(4, "--query-turns"),
    llm: str | None = typer.Option(None, "--llm", help="also score the shown picks with this LLM: llamacpp | openai"),
    llm_turns: int = typer.Option(30, "--llm-turns", help="with --llm: how many turns (spread over the run)"),
) -> None:
    """Score the agent's ranking on INSPIRED (catalog: MovieLens + TMDB linked by title)."""
    from chat_rec.eval.crs_bench import BenchOptions
    from chat_rec.eval.crs_run import BenchSpec, prepare_inspired

    spec = BenchSpec(
        dev, _cache(cache), limit, _interactions(interactions, kind, weight), BenchOptions(query_turns=query_turns)
    )
    run, _ = prepare_inspired(spec, movielens, metadata, tmdb)
    # the learned ranker was fitted on ReDial's catalog and dialogs; on INSPIRED's MovieLens catalog and
    # ratings it lost new items (docs/accuracy.md), so INSPIRED keeps the weighted sum it falls back to
    from chat_rec.eval.crs_run import ranking

    _score_and_print(run, ranking(ranking_config, INSPIRED_RANKING), out, llm, llm_turns)


def dump(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, default=str)
