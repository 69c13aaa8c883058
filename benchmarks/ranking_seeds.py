"""Do an input, more training dialogs or averaged seeds help the learned ranker, beyond a fit's luck?

A LightGBM fit's seed moves new-item R@10 on 400 validation dialogs by up to .01, and the
choice of the 400 dialogs moves it by .02, so one fit against another says little. This
benchmark builds the K-fold tables of each validation split once (``fit_tables``, the
product's own code: about 2 minutes a split on a warm cache), then fits the product's
learned ranker (``--requests --item-facts``, leaves of at least ``--min-leaf`` rows) with
every seed: with all inputs, ``--without`` the named ones, and on a seeded ``--share`` of
the fit dialogs (the same signals: what varies is how many examples the model sees). Per
split it prints each seed's figures, the seed means, the figures of the seeds' averaged
scores (what ``ranking fit --fits N`` ships) and paired differences (per target) with a
95% bootstrap interval over dialogs.

    .venv/bin/python benchmarks/ranking_seeds.py --without rating,rating_count    # 2 splits x 4 seeds
    .venv/bin/python benchmarks/ranking_seeds.py --share 0.75                     # 14 min here
    .venv/bin/python benchmarks/ranking_seeds.py --without asked,asked_share --splits 0 --seeds 0,1

Reads only ReDial training dialogs (``train_sample.jsonl`` and ``train_more.jsonl``);
needs ``../shared/data`` and exits with a message without it. Deliberately left out:
other fit settings than the inputs (edit ``LtrParams`` below to compare those).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat_rec.settings import PROJECT_ROOT, disable_telemetry, get_settings

if TYPE_CHECKING:
    from chat_rec.eval.crs_bench import BenchRun

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
KEYS = ("recall_new@10", "recall_new@50", "recall@10", "recall@50")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def per_target_hits(run: BenchRun, scores: list[np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """0/1 per target for each of KEYS (new-item keys over the agent's list), the new flags
    and each target's dialog."""
    from chat_rec.eval.crs_bench import config_ranks

    policy, new, _ = config_ranks(run, None, turn_scores=scores)
    whole, _, _ = config_ranks(run, None, whole_list=True, turn_scores=scores)
    dialogs = [st.turn.dialog for st in run.turns for _ in st.turn.targets]
    n = len(dialogs)  # targets outside the catalog follow as misses; they have no dialog row here

    def hits(ranks: list[int | None], k: int) -> np.ndarray:
        return np.array([r is not None and r < k for r in ranks[:n]], dtype=float)

    out = {
        "recall_new@10": hits(policy, 10),
        "recall_new@50": hits(policy, 50),
        "recall@10": hits(whole, 10),
        "recall@50": hits(whole, 50),
    }
    return out, np.array(new[:n]), dialogs


def figures(hits: dict[str, np.ndarray], new: np.ndarray) -> str:
    """Each of KEYS as a recall (new-item keys over the new targets only)."""
    return " ".join(f"{k} {hits[k][new if 'new' in k else slice(None)].mean():.3f}" for k in KEYS)


def paired_interval(diff: np.ndarray, dialogs: list[str], n_boot: int = 1000) -> tuple[float, float]:
    """95% interval of the mean of ``diff`` by resampling whole dialogs."""
    index = {name: j for j, name in enumerate(sorted(set(dialogs)))}
    names = list(index)
    group = np.array([index[d] for d in dialogs], dtype=int)
    rng = np.random.default_rng(0)
    means = []
    for _ in range(n_boot):
        weight = np.bincount(rng.integers(0, len(names), len(names)), minlength=len(names))[group]
        means.append(float((weight * diff).sum() / max(weight.sum(), 1)))
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--without", default="", help="inputs to leave out, comma-separated (e.g. rating)")
    parser.add_argument("--share", type=float, default=None, help="also fit on this share of the fit dialogs")
    parser.add_argument("--splits", default="0,1", help="validation split seeds (default 0,1)")
    parser.add_argument("--seeds", default="0,1,2,3", help="fit seeds (default 0,1,2,3)")
    parser.add_argument("--min-leaf", type=int, default=400)
    parser.add_argument("--no-ratings", action="store_true", help="build the catalog without MovieLens ratings")
    parser.add_argument("--cache", type=Path, default=None, help="default: CHAT_REC_HOME/bench")
    args = parser.parse_args()
    data: Path = args.data
    if not (data / "redial" / "train_more.jsonl").exists():
        sys.exit(f"needs the ReDial data under {data}: pass --data (the shared data folder)")
    disable_telemetry()

    from chat_rec.agent.learned import SeedAverage, learned_scores_many
    from chat_rec.agent.rank import load_ranking_config
    from chat_rec.eval.crs_catalogs import RedialFiles
    from chat_rec.eval.crs_fit import fit_tables, read_training
    from chat_rec.eval.crs_ltr import LtrParams, examples, train
    from chat_rec.eval.crs_run import redial_setup

    ratings = None if args.no_ratings else data / "movielens-small" / "ratings.csv"
    files = RedialFiles(
        data / "redial" / "movies.csv",
        data / "movielens25m" / "movies_w_keywords.csv",
        tmdb=data / "tmdb" / "tmdb_movies.csv",
        ratings=ratings,
    )
    setup = redial_setup(args.cache or get_settings().home / "bench", files, progress=False)
    training = read_training(setup, [data / "redial" / "train_sample.jsonl", data / "redial" / "train_more.jsonl"])
    weights = load_ranking_config(PROJECT_ROOT / "ranking" / "v4.yaml").vector()  # the learned rankers' base
    without = tuple(x.strip() for x in args.without.split(",") if x.strip())
    base = LtrParams(rounds=200, leaves=31, min_data_in_leaf=args.min_leaf, rerank=300, requests=True, item_facts=True)
    unknown = set(without) - set(base.inputs)
    if unknown:
        sys.exit(f"--without names inputs the model does not have: {sorted(unknown)}; it has {list(base.inputs)}")
    variants: dict[str, tuple[tuple[str, ...], float]] = {"all inputs": ((), 1.0)}
    if without:
        variants[f"without {','.join(without)}"] = (without, 1.0)
    if args.share:
        variants[f"on {args.share:.0%} of the fit dialogs"] = ((), args.share)
    for split in _ints(args.splits):
        started = time.perf_counter()
        tables = fit_tables(training, base, holdout=400, split_seed=split)
        val = tables.validation_run
        assert val is not None
        train_turns = [st for r in tables.train_runs for st in r.turns]
        print(
            f"split {split}: {len(val.turns)} validation turns, tables in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        dialog_ids = sorted({st.turn.dialog for st in train_turns})
        mean_hits: dict[str, dict[str, np.ndarray]] = {}
        for name, (left_out, share) in variants.items():
            kept = set(np.random.default_rng(100 + split).permutation(dialog_ids)[: int(len(dialog_ids) * share)])
            turns = [st for st in train_turns if st.turn.dialog in kept]
            seeds: dict[str, list[np.ndarray]] = {k: [] for k in KEYS}
            boosters = []
            for seed in _ints(args.seeds):
                params = LtrParams(**{**base.__dict__, "seed": seed, "without": left_out})
                x, y, groups = examples(turns, weights, params)
                boosters.append(train(x, y, groups, params))
                scores = learned_scores_many(
                    boosters[-1], [st.candidates for st in val.turns], weights, params.inputs, 300
                )
                hits, new, dialogs = per_target_hits(val, scores)
                for k in KEYS:
                    seeds[k].append(hits[k])
            mean_hits[name] = {k: np.mean(v, axis=0) for k, v in seeds.items()}
            by_seed = " ".join(f"{h[new].mean():.3f}" for h in seeds["recall_new@10"])
            print(f"  {name:28s} new R@10 by seed {by_seed} | mean {figures(mean_hits[name], new)}", flush=True)
            if name == "all inputs":  # the seeds averaged, as `ranking fit --fits N` ships them
                average = SeedAverage(boosters)
                averaged = learned_scores_many(
                    average, [st.candidates for st in val.turns], weights, params.inputs, 300
                )
                mean_hits["seeds averaged"], _, _ = per_target_hits(val, averaged)
                pad = " " * (17 + 6 * len(boosters))
                print(f"  {'seeds averaged':28s} {pad}| {figures(mean_hits['seeds averaged'], new)}", flush=True)
        for name in [n for n in mean_hits if n != "all inputs"]:
            a, b = mean_hits["all inputs"], mean_hits[name]
            for k in KEYS:
                mask = new if "new" in k else np.ones(len(new), dtype=bool)
                diff = (b[k] - a[k])[mask]
                low, high = paired_interval(diff, [d for d, m in zip(dialogs, mask) if m])
                print(
                    f"  {name} minus all inputs (seed mean), {k}: {diff.mean():+.3f} [{low:+.3f}, {high:+.3f}]",
                    flush=True,
                )


if __name__ == "__main__":
    main()
