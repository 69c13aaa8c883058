"""The learned ranker: K-fold signals never see an example's own dialog, a fitted model
file loads and ranks deterministically, and the weighted sum ranks when the model file
is missing or the catalog has no interaction logs.

The fit runs on synthetic ReDial-style dialogs over the built-in catalog (real Chroma,
real embedder, real LightGBM), so it needs no ../shared data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from chat_rec.agent.rank import RankingConfig, load_ranking_config, ranking_version, score
from chat_rec.agent.retrieve import FEATURES, Candidates
from chat_rec.index.space import ItemSpace
from chat_rec.signals import Signals
from chat_rec.signals.collab import CollabSignals

BASE = RankingConfig(version="t", weights={"dense": 1.0, "popularity": 0.5, "collab": 0.5})


def _events(pairs: dict[str, list[str]]) -> pd.DataFrame:
    rows = [("redial", f"dialog:{d}", item, 1.0, float("nan")) for d, items in pairs.items() for item in items]
    return pd.DataFrame(rows, columns=["source", "session", "item_id", "weight", "timestamp"])


def test_kfold_signals_never_hold_an_examples_own_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dialog d0 is the only one that names a and b together: the co-mention feature an
    example of d0 sees for b (seed a) must be zero, while signals from all dialogs have it."""
    import chat_rec.eval.crs_ltr as ltr

    dialogs = {f"d{n}": ["c", "d"] for n in range(10)}
    dialogs["d0"] = ["a", "b"]
    dialogs["d1"] = ["a", "c"]
    events = _events(dialogs)
    space = SimpleNamespace(ids=["a", "b", "c", "d"])
    assert CollabSignals(space.ids, events).related(["a"]).get("b", 0.0) > 0  # the pair exists in the logs

    seen: list[tuple[CollabSignals, list[SimpleNamespace]]] = []

    def capture(space: object, signals: CollabSignals, turns: list[SimpleNamespace], options: object) -> object:
        seen.append((signals, list(turns)))
        return SimpleNamespace(turns=[], seconds=0.0)

    monkeypatch.setattr(ltr, "run_features", capture)
    turns = [SimpleNamespace(dialog=d) for d in dialogs]
    ltr.kfold_runs(space, turns, events, list(dialogs), 5, None, None)  # type: ignore[arg-type]
    assert sorted(t.dialog for _, ts in seen for t in ts) == sorted(dialogs)  # every turn in exactly one fold
    own_pairs = {("d0", "a", "b"), ("d1", "a", "c")}  # pairs no other dialog names together
    for signals, fold_turns in seen:
        for turn in fold_turns:
            for dialog, x, y in own_pairs:
                if turn.dialog == dialog:
                    assert signals.related([x]).get(y, 0.0) == 0.0, f"{dialog}'s own co-mention leaked"
                    assert signals.related([y]).get(x, 0.0) == 0.0


def test_split_is_seeded_and_disjoint() -> None:
    from chat_rec.eval.crs_ltr import folds_of, split_dialogs

    ids = [str(n) for n in range(50)]
    fit, held = split_dialogs(ids, 10)
    assert len(held) == 10 and not set(fit) & set(held) and sorted(fit + held) == sorted(ids)
    assert split_dialogs(list(reversed(ids)), 10) == (fit, held)
    assert sorted(set(folds_of(ids, 5).values())) == [0, 1, 2, 3, 4]


def _candidates(rng: np.random.Generator, n: int = 40) -> Candidates:
    features = rng.random((n, len(FEATURES))).astype(np.float32)
    ids = [f"i{j}" for j in range(n)]
    return Candidates(ids, features, {"dense": ids[: n // 2], "collab": ids[n // 2 :]}, n_named=1)


def _synthetic_turns(n: int) -> list[SimpleNamespace]:
    """Turns whose target is the candidate with the highest collab."""
    rng = np.random.default_rng(0)
    turns = []
    for _ in range(n):
        cands = _candidates(rng)
        target = int(np.argmax(cands.column("collab")))
        turns.append(
            SimpleNamespace(candidates=cands, target_rows=[target], named_rows=[], turn=SimpleNamespace(new=[True]))
        )
    return turns


def _fitted_folder(tmp_path: Path) -> Path:
    """A model fitted on synthetic turns where the target is the row with the highest collab."""
    from chat_rec.eval.crs_ltr import LtrParams, examples, train, write_model

    turns = _synthetic_turns(60)
    params = LtrParams(rounds=20, leaves=7, min_data_in_leaf=5, rerank=0)
    x, y, groups = examples(turns, BASE.vector(), params)  # type: ignore[arg-type]
    assert len(groups) == 60 and y.sum() == 60
    folder = tmp_path / "v9-ltr"
    write_model(train(x, y, groups, params), folder, "v9-ltr", BASE, params, "abc123", "test model")
    return folder


class _Logs(Signals):
    def has_logs(self) -> bool:
        return True


def test_model_file_loads_and_ranks_deterministically(tmp_path: Path) -> None:
    folder = _fitted_folder(tmp_path)
    config = load_ranking_config(folder)
    assert config.model == "model.txt" and config.logs == "abc123" and config.inputs
    cands = _candidates(np.random.default_rng(1))
    cands.features[:, FEATURES.index("collab")] *= 0.9
    cands.features[7, FEATURES.index("collab")] = 1.0  # a clear best, not a near tie
    first = score(cands, config, _Logs())
    again = score(cands, load_ranking_config(folder / "ranking.yaml"), _Logs())
    assert np.array_equal(first, again)
    assert ranking_version(config, _Logs()) == "v9-ltr"
    # it learned the synthetic rule: the highest collab row comes first
    assert int(np.argmax(first)) == int(np.argmax(cands.column("collab")))
    assert not np.array_equal(np.argsort(-first), np.argsort(-(cands.features @ BASE.vector())))


def test_weighted_sum_ranks_without_logs_or_without_the_model_file(tmp_path: Path) -> None:
    folder = _fitted_folder(tmp_path)
    cands = _candidates(np.random.default_rng(2))
    weighted = cands.features @ BASE.vector()
    config = load_ranking_config(folder)
    assert np.array_equal(score(cands, config, Signals()), weighted)  # a catalog with no logs
    assert ranking_version(config, Signals()) == "v9-ltr+weights"
    (folder / "model.txt").unlink()
    missing = load_ranking_config(folder)
    assert np.array_equal(score(cands, missing, _Logs()), weighted)
    assert ranking_version(missing, _Logs()) == "v9-ltr+weights"
    shutil.rmtree(folder)


def test_vectorised_tag_scores_equal_tag_match(space: ItemSpace) -> None:
    from chat_rec.agent.item_facts import item_facts, tag_match

    facts = item_facts(space.catalog)
    rows = np.arange(len(space.catalog.items))
    some = sorted({t for tags in facts.tags[:50] for t in tags})[:12]
    for wanted in ({"space"}, {"dogs", "heist"}, set(some), {w for t in some for w in t.split()[:1]}):
        expected = np.array([tag_match(wanted, facts.tags[j]) for j in rows], dtype=np.float32)
        assert np.allclose(facts.tag_scores(rows, wanted), expected)


def _write_dialogs(path: Path, space: ItemSpace, n: int) -> dict[str, str]:
    """Synthetic ReDial dialogs over the built-in catalog: numeric ReDial-style ids."""
    items = space.catalog.items[:40]
    ids = {str(1000 + j): item.id for j, item in enumerate(items)}
    titles = {str(1000 + j): space.catalog.display_title(item) for j, item in enumerate(items)}
    rng = np.random.default_rng(3)
    with open(path, "w", encoding="utf-8") as fh:
        for d in range(n):
            named = [str(1000 + int(j)) for j in rng.choice(len(items), 4, replace=False)]
            messages = [
                {"senderWorkerId": 1, "text": f"Hi, I loved @{named[0]}, anything like it?"},
                {"senderWorkerId": 2, "text": f"Try @{named[1]} or @{named[2]}."},
                {"senderWorkerId": 1, "text": "Seen the first. Another?"},
                {"senderWorkerId": 2, "text": f"Then @{named[3]}."},
            ]
            doc = {
                "conversationId": str(d),
                "initiatorWorkerId": 1,
                "respondentWorkerId": 2,
                "movieMentions": {m: titles[m] for m in named},
                "messages": messages,
            }
            fh.write(json.dumps(doc) + "\n")
    return ids


def test_fit_on_a_tiny_synthetic_log_writes_a_model_that_loads(space: ItemSpace, tmp_path: Path) -> None:
    from chat_rec.eval.crs_fit import fit, read_training
    from chat_rec.eval.crs_ltr import LtrParams, write_model
    from chat_rec.eval.crs_run import RedialSetup

    log = tmp_path / "train.jsonl"
    ids = _write_dialogs(log, space, 30)
    titles = {k: space.catalog.display_title(space.catalog.by_id[v]) for k, v in ids.items()}
    setup = RedialSetup(space, tmp_path, titles, dict(ids), {})
    data = read_training(setup, [log])
    assert len(data.dialogs) == 30 and len(data.turns) == 60 and not data.events.empty
    params = LtrParams(rounds=20, leaves=7, min_data_in_leaf=5, rerank=100)
    outcome = fit(data, BASE, params, holdout=6, folds=3)
    assert outcome.fit_dialogs == 24 and outcome.examples > 0
    assert set(outcome.validation) == {"t", "learned"}
    assert outcome.validation["learned"]["n_targets"] == outcome.validation["t"]["n_targets"] == 18
    folder = tmp_path / "v9-ltr"
    write_model(outcome.booster, folder, "v9-ltr", BASE, params, outcome.logs, "tiny")
    config = load_ranking_config(folder)
    assert config.booster() is not None and config.rerank == 100
    # the options through the same path: validated in memory, written, loaded with their inputs
    both = LtrParams(
        rounds=20, leaves=7, min_data_in_leaf=5, rerank=100, policy=True, relative=True, requests=True, item_facts=True
    )
    outcome = fit(data, BASE, both, holdout=6, folds=3)
    assert outcome.validation["learned"]["n_targets"] == 18
    write_model(outcome.booster, tmp_path / "v10-ltr", "v10-ltr", BASE, both, outcome.logs, "tiny")
    assert tuple(load_ranking_config(tmp_path / "v10-ltr").inputs) == both.inputs
    assert "asked" in both.inputs and any(st.candidates.column("asked").any() for st in outcome.train_runs[0].turns)
    assert {"asked_profile", "asked_profile_gap", "year", "listed_popularity"} <= set(both.inputs)
    assert any(st.candidates.column("asked_profile").any() for st in outcome.train_runs[0].turns)


def test_relative_inputs_place_each_candidate_in_its_own_list() -> None:
    from chat_rec.agent.learned import MODEL_INPUTS, RELATIVE_FEATURES, RELATIVE_INPUTS, model_inputs

    cands = _candidates(np.random.default_rng(3))
    weights = BASE.vector()
    inputs = (*MODEL_INPUTS, *RELATIVE_INPUTS)
    x = model_inputs(cands, weights, inputs)
    assert np.array_equal(x[:, : len(MODEL_INPUTS)], model_inputs(cands, weights))  # the v6 columns unchanged
    rank = x[:, inputs.index("weighted_rank")]
    assert int(rank[int(np.argmax(cands.features @ weights))]) == 0
    assert sorted(rank.astype(int).tolist()) == list(range(len(cands.ids)))
    for name in RELATIVE_FEATURES:
        gap = x[:, inputs.index(f"{name}_gap")]
        assert gap.max() == 0.0 and np.allclose(gap, cands.column(name) - cands.column(name).max())
    # a row's inputs do not depend on which rows the model is later shown
    assert np.array_equal(model_inputs(cands, weights, inputs)[[5, 2]], x[[5, 2]])


def test_policy_examples_leave_out_named_films_and_repeats() -> None:
    """The agent's list never names a film the user named: a policy example has no named
    row, and only new targets are positives (a turn whose only target is a repeat teaches nothing)."""
    from chat_rec.eval.crs_ltr import LtrParams, examples

    rng = np.random.default_rng(4)
    cands = _candidates(rng)
    weighted = cands.features @ BASE.vector()
    top = [int(j) for j in np.argsort(-weighted)[:3]]
    both = SimpleNamespace(
        candidates=cands,
        target_rows=[top[0], top[2]],
        named_rows=[top[0], top[1]],
        turn=SimpleNamespace(new=[False, True]),
    )
    only_repeat = SimpleNamespace(
        candidates=cands, target_rows=[top[0]], named_rows=[top[0]], turn=SimpleNamespace(new=[False])
    )
    whole = LtrParams(rerank=10, relative=True)
    x, y, groups = examples([both, only_repeat], BASE.vector(), whole)  # type: ignore[list-item]
    assert groups == [10, 10] and y.sum() == 3 and x.shape[1] == len(whole.inputs)
    policy = LtrParams(rerank=10, policy=True)
    x, y, groups = examples([both, only_repeat], BASE.vector(), policy)  # type: ignore[list-item]
    assert groups == [8] and y.sum() == 1  # the 10 rows the model reorders, less the 2 named
    weighted_column = x[:, policy.inputs.index("weighted")]
    assert weighted[top[0]] not in weighted_column and weighted[top[1]] not in weighted_column
    assert weighted_column[int(np.argmax(y))] == weighted[top[2]]


def test_a_model_with_relative_inputs_writes_and_ranks(tmp_path: Path) -> None:
    from chat_rec.eval.crs_ltr import LtrParams, examples, train, write_model

    rng = np.random.default_rng(5)
    turns = []
    for _ in range(60):
        cands = _candidates(rng)
        target = int(np.argmax(cands.column("dense") - cands.column("dense").max() + cands.column("seed")))
        turns.append(
            SimpleNamespace(candidates=cands, target_rows=[target], named_rows=[], turn=SimpleNamespace(new=[True]))
        )
    params = LtrParams(rounds=20, leaves=7, min_data_in_leaf=5, rerank=0, relative=True)
    x, y, groups = examples(turns, BASE.vector(), params)  # type: ignore[arg-type]
    folder = tmp_path / "v9-ltr"
    write_model(train(x, y, groups, params), folder, "v9-ltr", BASE, params, "abc123", "test model")
    config = load_ranking_config(folder)
    assert tuple(config.inputs) == params.inputs and "weighted_rank" in config.inputs
    cands = _candidates(np.random.default_rng(6))
    assert np.array_equal(score(cands, config, _Logs()), score(cands, load_ranking_config(folder), _Logs()))


@pytest.mark.parametrize("folder", sorted((Path(__file__).parent.parent / "ranking").glob("v*-ltr")), ids=str)
def test_every_shipped_learned_model_loads_with_its_declared_inputs(folder: Path) -> None:
    config = load_ranking_config(folder)
    booster = config.booster()
    assert booster is not None, f"{folder} has no readable model file"
    assert booster.feature_name() == list(config.inputs)
    assert config.version == folder.name and config.rerank > 0 and config.logs


def test_the_benchmark_default_is_a_shipped_learned_model() -> None:
    from chat_rec.settings import BENCHMARK_RANKING, BUILTIN_RANKING

    config = load_ranking_config(BENCHMARK_RANKING)
    assert config.model is not None and config.booster() is not None
    assert load_ranking_config(BUILTIN_RANKING).model is None  # the product default stays the weighted sum


def test_fewest_rows_per_leaf_and_seed_reach_the_model() -> None:
    """``--min-leaf`` bounds how finely a tree may split; ``--seed`` reproduces a fit."""
    from chat_rec.eval.crs_ltr import LtrParams, examples, train

    turns = _synthetic_turns(40)
    fine = LtrParams(rounds=5, leaves=7, min_data_in_leaf=5, rerank=0)
    x, y, groups = examples(turns, BASE.vector(), fine)  # type: ignore[arg-type]

    def most_leaves(params: LtrParams) -> int:
        trees = train(x, y, groups, params).dump_model()["tree_info"]
        return max(tree["num_leaves"] for tree in trees)

    assert most_leaves(fine) == 7
    assert most_leaves(LtrParams(rounds=5, leaves=7, min_data_in_leaf=len(y) // 2, rerank=0)) <= 2
    seeded = LtrParams(rounds=5, leaves=7, min_data_in_leaf=5, rerank=0, seed=3)
    assert train(x, y, groups, seeded).model_to_string() == train(x, y, groups, seeded).model_to_string()


def test_inputs_left_out_leave_the_model_and_its_rows() -> None:
    """``LtrParams.without`` (what ``benchmarks/ranking_seeds.py`` compares against) drops
    exactly the named columns from the inputs, the example rows and the model."""
    from chat_rec.eval.crs_ltr import LtrParams, examples, train

    full = LtrParams(rounds=3, leaves=7, min_data_in_leaf=5, rerank=0, item_facts=True)
    assert {"rating", "rating_count"} <= set(full.inputs)
    less = LtrParams(rounds=3, leaves=7, min_data_in_leaf=5, rerank=0, item_facts=True, without=("rating",))
    assert less.inputs == tuple(name for name in full.inputs if name != "rating")
    turns = _synthetic_turns(20)
    x_full, y, groups = examples(turns, BASE.vector(), full)  # type: ignore[arg-type]
    x_less, _, _ = examples(turns, BASE.vector(), less)  # type: ignore[arg-type]
    keep = [j for j, name in enumerate(full.inputs) if name != "rating"]
    assert np.array_equal(x_less, x_full[:, keep])
    assert train(x_less, y, groups, less).feature_name() == list(less.inputs)


def test_several_fits_are_written_loaded_and_averaged(tmp_path: Path) -> None:
    """``--fits 3``: three seeds, three model files, one config whose scores are their mean;
    a missing member falls back to the weighted sum like a missing model."""
    import lightgbm

    from chat_rec.agent.learned import SeedAverage
    from chat_rec.eval.crs_ltr import LtrParams, examples, train_average, write_model

    params = LtrParams(rounds=10, leaves=7, min_data_in_leaf=5, rerank=0, seed=2, fits=3)
    x, y, groups = examples(_synthetic_turns(60), BASE.vector(), params)  # type: ignore[arg-type]
    average = train_average(x, y, groups, params)
    assert isinstance(average, SeedAverage) and len(average.boosters) == 3
    folder = tmp_path / "v9-ltr"
    write_model(average, folder, "v9-ltr", BASE, params, "abc123", "three seeds")
    config = load_ranking_config(folder)
    assert config.model == ["model-seed2.txt", "model-seed3.txt", "model-seed4.txt"]
    members = [lightgbm.Booster(model_file=str(folder / name)) for name in config.model]
    assert len({m.model_to_string() for m in members}) == 3  # the seeds differ
    cands = _candidates(np.random.default_rng(4))
    cands.features[:, FEATURES.index("collab")] *= 0.9
    cands.features[7, FEATURES.index("collab")] = 1.0  # a clear best, not a near tie
    loaded = config.booster()
    assert isinstance(loaded, SeedAverage)
    rows = np.asarray(loaded.predict(x[:50]))
    assert np.allclose(rows, np.mean([m.predict(x[:50]) for m in members], axis=0))
    assert ranking_version(config, _Logs()) == "v9-ltr"
    assert int(np.argmax(score(cands, config, _Logs()))) == int(np.argmax(cands.column("collab")))
    (folder / "model-seed3.txt").unlink()
    missing = load_ranking_config(folder)
    assert np.array_equal(score(cands, missing, _Logs()), cands.features @ BASE.vector())
    assert ranking_version(missing, _Logs()) == "v9-ltr+weights"
