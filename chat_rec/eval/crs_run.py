"""ReDial and INSPIRED end to end: build the catalog, ingest interaction logs, score.

Everything derived (enriched catalog, Chroma index, embedding cache, signals) lives in a
cache folder, by default ``CHAT_REC_HOME/bench``; a second run reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chat_rec.agent.rank import RankingConfig, load_ranking_config
from chat_rec.catalog.titles import TitleLinker
from chat_rec.errors import InputError
from chat_rec.eval.crs_bench import BenchOptions, BenchRun, open_bench_space, run_features
from chat_rec.eval.crs_catalogs import RedialFiles, build_inspired_catalog, build_redial_catalog, redial_aliases
from chat_rec.eval.crs_data import EvalTurn, clean_title, eval_turns, inspired_dialogs, redial_dialogs
from chat_rec.eval.crs_ltr import session_of
from chat_rec.index.space import ItemSpace
from chat_rec.settings import Settings
from chat_rec.signals import Signals
from chat_rec.signals.importers import InteractionMapping, read_interactions
from chat_rec.signals.requests import RequestMemory, build_memory, request_text
from chat_rec.signals.store import _manifest, load_signals, save_events


@dataclass
class Interaction:
    path: Path
    kind: str  # redial | movielens | events
    weight: float = 1.0
    source: str | None = None  # logs that share a source name are one source (default: one per file)

    @property
    def name(self) -> str:
        return self.source or f"{self.kind}-{self.path.stem}"


@dataclass
class BenchSpec:
    dialogs: Path
    cache: Path
    limit: int | None = None
    interactions: list[Interaction] = field(default_factory=list)
    options: BenchOptions = field(default_factory=BenchOptions)
    progress: bool = True


def _ingest(space: ItemSpace, home: Path, interactions: list[Interaction], dialogs: Path) -> tuple[Signals, list[Any]]:
    settings = Settings(home=home, llm="none")
    known = _manifest(settings)
    reports = []
    sources: set[str] = set()
    groups: dict[str, list[Interaction]] = {}
    for log in interactions:
        if log.path.resolve() == dialogs.resolve():
            raise InputError(
                "the evaluation dialogs cannot be an interaction log", "Pass training dialogs to --interactions."
            )
        groups.setdefault(log.name, []).append(log)
    for source, logs in groups.items():
        sources.add(source)
        entry = known.get(source)
        weight = logs[0].weight
        if len(logs) == 1 and entry is not None and entry.get("weight") == weight:
            reports.append(entry["report"])
            continue
        frames = []  # several files of one source (ReDial's training dialogs in two files) are read again each run
        for log in logs:
            mapping = InteractionMapping(kind=log.kind, source=source, weight=weight)  # type: ignore[arg-type]
            frame, report = read_interactions(log.path, space.catalog, mapping)
            frames.append(frame)
            reports.append(report.to_dict())
        save_events(settings, pd.concat(frames, ignore_index=True), report, weight=weight)
    return load_signals(settings, space, include_feedback=False, only=sources), reports


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="turns", unit="turn")

    def step(n: int) -> None:
        bar.update(n - bar.n)  # redraws at most every tqdm ``mininterval``
        if n == total:
            bar.close()

    return step


def _open_with_signals(spec: BenchSpec, catalog_path: Path, mapping_path: Path) -> tuple[Any, Any, Any]:
    """Index the derived catalog in its own home and load the training interactions."""
    home = spec.cache / catalog_path.stem
    space = open_bench_space(home, catalog_path, mapping_path, catalog_path.stem.replace(".", "-"), spec.progress)
    signals, reports = _ingest(space, home, spec.interactions, spec.dialogs)
    return space, signals, reports


@dataclass
class RedialSetup:
    """The ReDial catalog opened as an item space, and how dialog ids map to its items."""

    space: ItemSpace
    home: Path
    titles: dict[str, str]  # ReDial movie id -> display title
    to_item: dict[str, str | None]  # ReDial movie id -> catalog id (a film listed twice is one item)
    stats: dict[str, Any]


def redial_setup(cache: Path, files: RedialFiles, progress: bool = True) -> RedialSetup:
    catalog_path, mapping_path, stats = build_redial_catalog(files, cache / "catalogs")
    home = cache / catalog_path.stem
    space = open_bench_space(home, catalog_path, mapping_path, catalog_path.stem.replace(".", "-"), progress)
    titles = {i.id: space.catalog.display_title(i) for i in space.catalog.items}
    aliases = redial_aliases(catalog_path)  # a film listed twice is one item, under either id
    titles.update({dup: titles[kept] for dup, kept in aliases.items() if kept in titles})
    to_item: dict[str, str | None] = {i: aliases.get(i, i) for i in titles}
    return RedialSetup(space, home, titles, to_item, stats)


def request_memory(space: ItemSpace, turns: list[EvalTurn], query_turns: int) -> RequestMemory:
    """Each training turn's request (read as the benchmark reads a context) and the films
    the recommender named in answer, embedded through the space's cached embedder."""
    requests = [
        (session_of(t.dialog), request_text([u.text for u in t.context], query_turns) or " ", t.targets) for t in turns
    ]
    return build_memory(requests, space.row, space.embedder.embed([text for _, text, _ in requests]))


def redial_training_turns(setup: RedialSetup, logs: list[Interaction]) -> list[EvalTurn]:
    """The turns of the ReDial dialogs among ``logs`` (training files, never test dialogs)."""
    turns: list[EvalTurn] = []
    for log in logs:
        if log.kind == "redial":
            turns.extend(eval_turns(redial_dialogs(log.path, setup.titles), setup.to_item)[0])
    return turns


def redial_signals(
    setup: RedialSetup, logs: list[Interaction], dialogs: Path, options: BenchOptions
) -> tuple[Signals, list[Any]]:
    """Signals from the training ``logs``, with the request memory of their ReDial dialogs."""
    signals, reports = _ingest(setup.space, setup.home, logs, dialogs)
    training = redial_training_turns(setup, logs)
    if training:
        signals.requests = request_memory(setup.space, training, options.query_turns)
    return signals, reports


def prepare_redial(spec: BenchSpec, files: RedialFiles) -> tuple[BenchRun, dict[str, Any]]:
    setup = redial_setup(spec.cache, files, spec.progress)
    signals, reports = redial_signals(setup, spec.interactions, spec.dialogs, spec.options)
    dialogs = redial_dialogs(spec.dialogs, setup.titles, spec.limit)
    turns, unknown = eval_turns(dialogs, setup.to_item)
    progress = _progress(len(turns), spec.progress)
    run = run_features(setup.space, signals, turns, spec.options, unknown, progress)
    info = {"benchmark": "redial", "dialogs": len(dialogs), "catalog": setup.stats, "interactions": reports}
    run.extra = info
    return run, info


def link_inspired_titles(catalog: Any, dialogs: list[Any]) -> dict[str, str | None]:
    """Each movie title INSPIRED's dialogs name, linked to a catalog item (None below 0.9)."""
    linker = TitleLinker(catalog)
    to_item: dict[str, str | None] = {}
    for _, utterances in dialogs:
        for u in utterances:
            for title in u.movies:
                if title not in to_item:
                    links = linker.link(clean_title(title), limit=1, min_score=0.9)
                    to_item[title] = links[0].item_id if links and links[0].score >= 0.9 else None
    return to_item


def prepare_inspired(
    spec: BenchSpec, movielens_dir: Path, metadata: Path | None, tmdb: Path | None
) -> tuple[BenchRun, dict[str, Any]]:
    catalog_path, mapping_path, stats = build_inspired_catalog(movielens_dir, metadata, tmdb, spec.cache / "catalogs")
    space, signals, reports = _open_with_signals(spec, catalog_path, mapping_path)
    dialogs = inspired_dialogs(spec.dialogs, spec.limit)
    to_item = link_inspired_titles(space.catalog, dialogs)
    turns, unknown = eval_turns(dialogs, to_item)
    progress = _progress(len(turns), spec.progress)
    run = run_features(space, signals, turns, spec.options, unknown, progress)
    linked = sum(1 for v in to_item.values() if v)
    info = {
        "benchmark": "inspired",
        "dialogs": len(dialogs),
        "catalog": stats,
        "interactions": reports,
        "titles_linked": f"{linked}/{len(to_item)}",
    }
    run.extra = info
    return run, info


def ranking(path: Path | None, default: Path) -> RankingConfig:
    return load_ranking_config(path or default)


def redial_ranking(path: Path | None, ratings: Path | None) -> tuple[RankingConfig, str | None]:
    """The ranking a ReDial benchmark scores, and a note for the user. By default that is
    ``BENCHMARK_RANKING``, which reads films' ratings; without ``--ratings`` every film
    would look unrated, unlike anything it learned from, so the best shipped model that
    does not read ratings is scored instead. A ranking named with ``path`` is always scored."""
    from chat_rec.agent.learned import RATING_INPUTS
    from chat_rec.settings import BENCHMARK_RANKING, BENCHMARK_RANKING_WITHOUT_RATINGS

    config = ranking(path, BENCHMARK_RANKING)
    if ratings is not None or not set(RATING_INPUTS) & set(config.inputs):
        return config, None
    if path is None:
        fallback = load_ranking_config(BENCHMARK_RANKING_WITHOUT_RATINGS)
        note = (
            f"scoring {fallback.version}: the default {config.version} reads films' MovieLens ratings. "
            "Pass --ratings ../shared/data/movielens-small/ratings.csv to score it."
        )
        return fallback, note
    note = (
        f"{config.version} reads films' MovieLens ratings and without --ratings no film has one, so it ranks "
        "worse than it should. Pass --ratings ../shared/data/movielens-small/ratings.csv."
    )
    return config, note
