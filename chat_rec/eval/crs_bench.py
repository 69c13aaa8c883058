"""Run a CRS benchmark through the agent's own retrieve + rank, with baselines and ablations.

For each evaluation turn the context is read by the agent's :class:`Understander`
(titles linked back to catalog items, polarity, categories, tags), the candidates and
their feature table come from :func:`chat_rec.agent.retrieve.retrieve` (the same call
:meth:`Agent.rank_for` makes), and each ranking config scores that table with
:func:`chat_rec.agent.rank.score`. Features are computed once per turn, so baselines,
ablations and weight fitting re-score the same table and cost almost nothing.

Benchmark-specific choices (documented, principled, not tuned per dialog):
- every movie named in the context and not disliked is a seed ("liked" for the
  seed-similarity and co-occurrence features);
- two readings of one feature table: the *whole list* (named items ranked where their
  features put them, as published systems are scored: the ``recall@k`` keys) and the
  agent's *policy* (items the user named are never recommended: the ``recall_new@k``
  keys, i.e. repeats removed from targets and from the list, and the ``policy`` block);
- categories named in the seeker's words are soft (the ``category`` feature), not hard
  filters: a benchmark dialog's "something funny" is a preference, not a constraint;
- the dense/lexical query is the last ``query_turns`` utterances (recent turns count more).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, score_many
from chat_rec.agent.retrieve import FEATURES, Candidates, UserContext, query_texts, retrieve
from chat_rec.agent.understand import Understander
from chat_rec.eval.crs_data import EvalTurn, Utterance
from chat_rec.eval.crs_metrics import summarise
from chat_rec.index.space import ItemSpace, open_space
from chat_rec.settings import Settings
from chat_rec.signals import Signals
from chat_rec.signals.requests import request_text


@dataclass
class BenchOptions:
    n_retrieve: int = 500
    query_turns: int = 4
    seed_window: int = 0  # 0 = every earlier mention is a seed; N = only the last N utterances'
    hard_filters: bool = False
    # movies the data set marks as named in the context (ReDial's @ids, INSPIRED's movie
    # column) are seeds even when the text reader misses them, as published systems read them
    annotated_mentions: bool = True


@dataclass
class ScoredTurn:
    turn: EvalTurn
    candidates: Candidates
    target_rows: list[int | None]  # row of each target in the candidate table
    prefs: Preferences | None = None  # what the agent read from the context (for --llm)
    named_rows: list[int] = field(default_factory=list)  # rows the agent's policy leaves out


@dataclass
class BenchRun:
    space: ItemSpace
    signals: Signals
    turns: list[ScoredTurn]
    unknown_by_dialog: dict[str, int]  # per dialog, the targets outside the catalog (misses)
    seconds: float
    link_recall: float
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # CPU time of this process for the features (less load-dependent than ``seconds``)

    @property
    def unknown_targets(self) -> int:
        return sum(self.unknown_by_dialog.values())


def open_bench_space(home: Path, catalog: Path, mapping: Path, name: str, progress: bool = True) -> ItemSpace:
    settings = Settings(home=home, catalog=catalog, catalog_mapping=mapping, llm="none", collection=name)
    return open_space(settings, progress=progress)


def one_blas_thread() -> Any:
    """A context in which NumPy's BLAS uses one thread. A turn makes dozens of products of
    a few thousand rows; on 2 shared cores, waking a second BLAS thread for each costs
    100x the product itself (14 ms against 0.04 ms at load 10), and the results are the same."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def context_preferences(
    understander: Understander,
    context: Sequence[Utterance],
    options: BenchOptions,
    parsed: dict[int, Preferences],
) -> Preferences:
    prefs = Preferences()
    liked: list[str] = []
    disliked: list[str] = []
    soft_categories: list[str] = []
    window_start = len(context) - options.seed_window if options.seed_window else 0
    for position, utterance in enumerate(context):
        key = id(utterance)
        if key not in parsed:
            parsed[key] = understander.parse(utterance.text)
        p = parsed[key]
        disliked.extend(p.disliked_items)
        if position >= window_start:
            liked.extend([*p.liked_items, *p.seen_items, *p.anchor_items])
        if utterance.role == "seeker":
            soft_categories.extend(p.include_categories)
            prefs.liked_tags.extend(p.liked_tags)
            prefs.disliked_tags.extend(p.disliked_tags)
            prefs.liked_people.extend(p.liked_people)
            prefs.exclude_categories.extend(p.exclude_categories if options.hard_filters else [])
            if options.hard_filters:
                prefs.include_categories.extend(p.include_categories)
                prefs.year_min = p.year_min or prefs.year_min
                prefs.year_max = p.year_max or prefs.year_max
    bad = set(disliked)
    prefs.liked_items = [i for i in dict.fromkeys(liked) if i not in bad]
    prefs.disliked_items = list(dict.fromkeys(disliked))
    soft = list(dict.fromkeys(soft_categories))
    if hasattr(prefs, "boost_categories"):
        prefs.boost_categories = soft
    elif not options.hard_filters:
        prefs.liked_tags.extend(soft)
    prefs.query = request_text([u.text for u in context], options.query_turns)
    return prefs


def run_features(
    space: ItemSpace,
    signals: Signals,
    turns: Sequence[EvalTurn],
    options: BenchOptions,
    unknown_by_dialog: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BenchRun:
    started, cpu_started = time.perf_counter(), time.process_time()
    understander = Understander(space.catalog, space.linker)
    parsed: dict[int, Preferences] = {}
    scored: list[ScoredTurn] = []
    found = total = 0
    read_turns: list[Preferences] = []
    for turn in turns:
        prefs = context_preferences(understander, turn.context, options, parsed)
        total += len(turn.mentioned)
        read = {*prefs.liked_items, *prefs.disliked_items}
        found += len(set(turn.mentioned) & read)
        if options.annotated_mentions:  # the data set's own mention labels, where the reader missed one
            prefs.liked_items.extend(i for i in turn.mentioned if i not in read)
        read_turns.append(prefs)
    # every turn's query through the model in one batch (data set text, so the disk cache
    # keeps it for the next run), then handed to retrieve instead of one model call a turn
    texts = [query_texts(space, p)[1] for p in read_turns]
    asked = [p.query or " " for p in read_turns] if signals.requests is not None else []  # the request memory's key
    unique = list(dict.fromkeys([*(t for t in texts if t is not None), *asked]))
    vectors = dict(zip(unique, space.embedder.embed(unique))) if unique else {}
    with one_blas_thread():
        for n, (turn, prefs, text) in enumerate(zip(turns, read_turns, texts)):
            qvec = vectors[text] if text is not None else None
            rvec = vectors[asked[n]] if asked else None
            candidates = retrieve(
                space,
                prefs,
                UserContext(),
                signals,
                n=options.n_retrieve,
                keep_named=True,
                query_vector=qvec,
                request_vector=rvec,
            )
            where = {item_id: row for row, item_id in enumerate(candidates.ids)}
            named = [where[i] for i in candidates.routes.get("named", [])]
            scored.append(ScoredTurn(turn, candidates, [where.get(t) for t in turn.targets], prefs, named))
            if progress:
                progress(n + 1)
    seconds = time.perf_counter() - started
    link_recall = found / total if total else 1.0
    run = BenchRun(space, signals, scored, dict(unknown_by_dialog or {}), seconds, link_recall)
    run.cpu_seconds = time.process_time() - cpu_started
    return run


def target_ranks(scores: np.ndarray, rows: Sequence[int | None], left_out: Sequence[int] = ()) -> list[int | None]:
    """0-based rank of each row in ``scores`` sorted best first, ties by row (a stable
    sort), without sorting: the number of rows ahead of it. Rows in ``left_out`` are not
    in the list at all; a target among them (or ``None``) has no rank."""
    scores = scores.astype(np.float64, copy=True)
    if len(left_out):
        scores[list(left_out)] = -np.inf
    out: list[int | None] = []
    for row in rows:
        if row is None or not np.isfinite(scores[row]):
            out.append(None)
            continue
        value = scores[row]
        out.append(int(np.count_nonzero(scores > value) + np.count_nonzero(scores[:row] == value)))
    return out


def config_ranks(
    run: BenchRun,
    config: RankingConfig | None,
    whole_list: bool = False,
    turn_scores: Sequence[np.ndarray] | None = None,
) -> tuple[list[int | None], list[bool], float]:
    """0-based rank of every target under one ranking config, the new flags, grounded rate.

    ``whole_list`` keeps the items the user named in the ranking; otherwise they are left
    out, as the agent leaves them out, and a target among them is a miss. Scores come from
    :func:`chat_rec.agent.rank.score`, the agent's own call (``turn_scores``: already
    computed, one array per turn; then ``config`` may be None)."""
    ranks: list[int | None] = []
    new: list[bool] = []
    grounded = shown = 0
    catalog = run.space.catalog
    if turn_scores is None:
        if config is None:
            raise ValueError("config_ranks needs a config or turn_scores")
        turn_scores = score_many([st.candidates for st in run.turns], config, run.signals)
    for st, turn_score in zip(run.turns, turn_scores):
        scores = turn_score.astype(np.float64)
        left_out = [] if whole_list else st.named_rows
        ranks.extend(target_ranks(scores, st.target_rows, left_out))
        new.extend(st.turn.new)
        if left_out:
            scores[list(left_out)] = -np.inf
        n_top = min(10, len(scores) - len(set(left_out)))
        top: Sequence[int] = list(np.argpartition(-scores, n_top - 1)[:n_top]) if n_top > 0 else []
        shown += len(top)
        grounded += sum(1 for j in top if st.candidates.ids[j] in catalog)
    # targets outside the catalog are misses for every system
    ranks.extend([None] * run.unknown_targets)
    new.extend([True] * run.unknown_targets)
    return ranks, new, (grounded / shown if shown else 1.0)


def evaluate(run: BenchRun, config: RankingConfig) -> dict[str, Any]:
    """All-target keys from the whole list, new-item keys from the agent's policy (see the
    module docstring); both readings in full under ``whole_list`` and ``policy``."""
    scores = score_many([st.candidates for st in run.turns], config, run.signals)  # once for both readings
    ranks, new, grounded = config_ranks(run, config, whole_list=True, turn_scores=scores)
    whole = summarise(ranks, new)
    ranks, new, policy_grounded = config_ranks(run, config, turn_scores=scores)
    policy = summarise(ranks, new)
    overall = {k: v for k, v in whole.items() if "_new" not in k and "_repeat" not in k}
    fresh = {k: v for k, v in policy.items() if "_new" in k}
    return {
        **overall,
        **fresh,
        "n_targets_repeat": whole["n_targets_repeat"],
        "recall_repeat@10": whole["recall_repeat@10"],
        "recall_repeat@50": whole["recall_repeat@50"],
        "grounded_rate": min(grounded, policy_grounded),
        "whole_list": whole,
        "policy": policy,
    }


def random_baseline(run: BenchRun, seed: int = 0) -> dict[str, float]:
    rng = random.Random(seed)
    ids = list(run.space.ids)
    ranks: list[int | None] = []
    new: list[bool] = []
    for st in run.turns:
        position = {item_id: i for i, item_id in enumerate(rng.sample(ids, 50))}
        ranks.extend(position.get(t) for t in st.turn.targets)
        new.extend(st.turn.new)
    ranks.extend([None] * run.unknown_targets)
    new.extend([True] * run.unknown_targets)
    return {**summarise(ranks, new), "grounded_rate": 1.0}


def single(feature: str, version: str) -> RankingConfig:
    return RankingConfig(version=version, weights={feature: 1.0})


def full_report(run: BenchRun, config: RankingConfig) -> dict[str, Any]:
    """The pipeline's metrics at top level, then baselines and the ablation."""
    with one_blas_thread():
        return _full_report(run, config)


def _full_report(run: BenchRun, config: RankingConfig) -> dict[str, Any]:
    full = evaluate(run, config)
    baselines = {
        "random": random_baseline(run),
        "popularity": evaluate(run, single("popularity", "popularity-only")),
        "lexical": evaluate(run, single("lexical", "lexical-only")),
        "dense": evaluate(run, single("dense", "dense-only")),
        "full": full,
    }
    if config.model is not None:  # a learned config: its fallback on the same turns
        fallback = RankingConfig(version=f"{config.version}+weights", weights=config.weights)
        baselines["weighted sum"] = evaluate(run, fallback)
    ablation = {}
    for name, weight in config.weights.items():
        if weight == 0:
            continue
        reduced = RankingConfig(
            version=f"{config.version}-no-{name}", weights={k: v for k, v in config.weights.items() if k != name}
        )
        ablation[f"without {name}"] = evaluate(run, reduced)
    return {
        **full,
        "ranking_version": config.version,
        "weights": config.weights,
        "baselines": baselines,
        "ablation": ablation,
        "turns": len(run.turns),
        "targets_not_in_catalog": run.unknown_targets,
        "context_title_link_recall": run.link_recall,
        "features_seconds": run.seconds,
        "ms_per_turn": 1000 * run.seconds / max(1, len(run.turns)),
        "cpu_ms_per_turn": 1000 * run.cpu_seconds / max(1, len(run.turns)),
        "features": list(FEATURES),
        **run.extra,
    }


def policy_objective(metrics: dict[str, Any]) -> float:
    """What users get: recall of the agent's own list (named items left out), so a fit
    never learns to repeat the user's titles back to them."""
    policy = metrics["policy"]
    return float(policy["recall@10"] + policy["recall@50"] + policy["recall_new@10"] + policy["recall_new@50"]) / 4


def fit_weights(
    runs: Sequence[BenchRun],
    start: RankingConfig,
    features: Sequence[str],
    objective: Callable[[dict[str, Any]], float] | None = None,
    passes: int = 3,
    version: str = "fit",
) -> tuple[RankingConfig, float, list[str]]:
    """Coordinate ascent on a coarse multiplicative grid; ties keep the current weight.

    ``dense`` is left as the scale anchor. Returns the config, its dev score and a log.
    """
    objective = objective or policy_objective

    def value(weights: dict[str, float]) -> float:
        config = RankingConfig(version=version, weights=weights)
        return sum(objective(evaluate(r, config)) for r in runs) / len(runs)

    weights = dict(start.weights)
    best = value(weights)
    log = [f"start {best:.4f}"]
    for p in range(passes):
        improved = False
        for feature in features:
            current = weights.get(feature, 0.0)
            grid = {0.0, *(current * m for m in (0.25, 0.5, 2.0, 4.0))} if current else {0.0, 0.1, 0.3, 1.0, 3.0}
            if feature == "dislike":
                grid = {-abs(g) for g in grid}
            for candidate in sorted(grid):
                if candidate == current:
                    continue
                trial = {**weights, feature: round(candidate, 4)}
                got = value(trial)
                if got > best + 1e-4:
                    best, weights, improved = got, trial, True
                    log.append(f"pass {p + 1}: {feature} {current:g} -> {candidate:g}: {best:.4f}")
                    current = candidate
        if not improved:
            break
    return RankingConfig(version=version, description=start.description, weights=weights), best, log


def split_run(run: BenchRun) -> tuple[BenchRun, BenchRun]:
    """Two halves by dialog (alternate dialogs), for a quick held-out check of a fit."""
    dialogs = sorted({st.turn.dialog for st in run.turns} | set(run.unknown_by_dialog))
    halves = (set(dialogs[::2]), set(dialogs[1::2]))
    return tuple(  # type: ignore[return-value]
        BenchRun(
            run.space,
            run.signals,
            [st for st in run.turns if st.turn.dialog in half],
            {d: n for d, n in run.unknown_by_dialog.items() if d in half},  # misses stay with their dialog
            run.seconds,
            1.0,
        )
        for half in halves
    )
