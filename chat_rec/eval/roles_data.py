"""The benchmark turns ``chat-rec eval roles`` scores, read and ranked for those turns only.

``eval redial`` / ``eval inspired`` read and retrieve for every turn of a data set; the
roles table needs only the turns it samples (200 of ~570 for the ReDial sample), and
each turn's reading and retrieval is independent of the others, so only the sampled
turns are featured: the same turns, readings and candidates as a full run sampled the
same way (``crs_llm.sample_turns``), for a third of the work.

Deliberately left out: building the catalogs and indexes (``crs_run``'s setup does that,
cached under the bench folder) and choosing the interaction logs (the caller passes them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.rank import RankingConfig
from chat_rec.eval.crs_bench import BenchOptions, open_bench_space, run_features
from chat_rec.eval.crs_catalogs import RedialFiles, build_inspired_catalog
from chat_rec.eval.crs_data import EvalTurn, eval_turns, inspired_dialogs, redial_dialogs
from chat_rec.eval.crs_run import Interaction, _ingest, link_inspired_titles, redial_setup, redial_signals
from chat_rec.eval.roles import RoleTurn, role_turns


def _spread(turns: list[EvalTurn], n: int) -> list[EvalTurn]:
    """The same turns ``crs_llm.sample_turns`` takes from a run of these turns."""
    if n >= len(turns):
        return list(turns)
    picks = np.linspace(0, len(turns) - 1, n).round().astype(int)
    return [turns[i] for i in dict.fromkeys(picks.tolist())]


def redial_turns(
    dialogs: Path,
    files: RedialFiles,
    home: Path,
    config: RankingConfig,
    n: int,
    logs: list[Interaction],
) -> tuple[Any, list[RoleTurn]]:
    """The ReDial item space and ``n`` sampled turns, with ``logs`` (``eval redial``'s
    training dialogs) as interactions."""
    setup = redial_setup(home, files)
    signals, _ = redial_signals(setup, logs, dialogs, BenchOptions())
    turns, unknown = eval_turns(redial_dialogs(dialogs, setup.titles, None), setup.to_item)
    sampled = _spread(turns, n)
    run = run_features(setup.space, signals, sampled, BenchOptions(), unknown)
    return setup.space, role_turns(run, config, len(sampled))


def inspired_space(movielens: Path, metadata: Path | None, tmdb: Path | None, home: Path) -> tuple[Any, Path]:
    """The INSPIRED item space and its folder (as ``eval inspired`` builds them)."""
    catalog, mapping, _ = build_inspired_catalog(movielens, metadata, tmdb, home / "catalogs")
    folder = home / catalog.stem
    return open_bench_space(folder, catalog, mapping, catalog.stem.replace(".", "-"), True), folder


def inspired_turns(
    dev: Path, movielens: Path, metadata: Path | None, tmdb: Path | None, home: Path, config: RankingConfig, n: int
) -> tuple[Any, list[RoleTurn]]:
    """The INSPIRED item space and ``n`` sampled turns (no interaction logs, as ``eval inspired``)."""
    space, folder = inspired_space(movielens, metadata, tmdb, home)
    signals, _ = _ingest(space, folder, [], dev)
    dialogs = inspired_dialogs(dev, None)
    to_item = link_inspired_titles(space.catalog, dialogs)
    turns, unknown = eval_turns(dialogs, to_item)
    sampled = _spread(turns, n)
    run = run_features(space, signals, sampled, BenchOptions(), unknown)
    return space, role_turns(run, config, len(sampled))
