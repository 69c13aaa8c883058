"""How fast `chat-rec eval redial` scores a run of a few thousand turns.

Scores ReDial *training* dialogs (test dialogs are never read here) exactly as
``chat-rec eval redial`` does: the same setup, :func:`run_features` and
:func:`full_report` with the benchmark's default ranking (``settings.BENCHMARK_RANKING``:
the pipeline, the baselines and the ablation). The other training file is the
interaction log. Prints turns, wall and CPU seconds, and ms per turn for each stage
and for the two together (reading + retrieval + features, then scoring). Run twice: the
first run also embeds every query once into the cache under ``--cache``.

    .venv/bin/python benchmarks/redial_speed.py                       # 1,020 dialogs, about 3,000 turns
    .venv/bin/python benchmarks/redial_speed.py --limit 200 --profile /tmp/redial.prof

Needs ``../shared/data`` (ReDial, MovieLens keywords and ratings, TMDB); exits with a message without it.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat_rec.settings import BENCHMARK_RANKING, disable_telemetry, get_settings

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--dialogs", type=Path, default=None, help="default: DATA/redial/train_more.jsonl")
    parser.add_argument("--interactions", type=Path, default=None, help="default: DATA/redial/train_sample.jsonl")
    parser.add_argument(
        "--limit", type=int, default=1020, help="first N dialogs (1,020 of train_more: about 3,000 turns)"
    )
    parser.add_argument("--cache", type=Path, default=None, help="default: CHAT_REC_HOME/bench")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of both stages here")
    args = parser.parse_args()
    data: Path = args.data
    args.dialogs = args.dialogs or data / "redial" / "train_more.jsonl"
    args.interactions = args.interactions or data / "redial" / "train_sample.jsonl"
    movies = data / "redial" / "movies.csv"
    if not (args.dialogs.exists() and movies.exists()):
        sys.exit(f"needs the ReDial data under {data}: pass --data (the shared data folder)")
    disable_telemetry()

    from chat_rec.eval.crs_bench import BenchOptions, full_report
    from chat_rec.eval.crs_catalogs import RedialFiles
    from chat_rec.eval.crs_run import BenchSpec, Interaction, prepare_redial, ranking

    cache = args.cache or get_settings().home / "bench"
    logs = [Interaction(args.interactions, "redial")]
    spec = BenchSpec(args.dialogs, cache, args.limit, logs, BenchOptions(), progress=False)
    config = ranking(None, BENCHMARK_RANKING)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    files = RedialFiles(
        movies,
        data / "movielens25m" / "movies_w_keywords.csv",
        tmdb=data / "tmdb" / "tmdb_movies.csv",
        ratings=data / "movielens-small" / "ratings.csv",  # the default ranking reads films' ratings
    )
    run, _ = prepare_redial(spec, files)
    scoring = time.perf_counter(), time.process_time()
    report = full_report(run, config)
    done = time.perf_counter(), time.process_time()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    turns = len(run.turns)
    score_wall, score_cpu = done[0] - scoring[0], done[1] - scoring[1]
    rows = [
        ("read + retrieve + features", run.seconds, run.cpu_seconds),
        (f"scoring ({config.version}, baselines, ablation)", score_wall, score_cpu),
        ("both", run.seconds + score_wall, run.cpu_seconds + score_cpu),
    ]
    print(f"{turns} turns of {args.dialogs.name} (first {args.limit} dialogs), logs {args.interactions.name}")
    print(f"{'stage':45s} {'wall s':>8s} {'CPU s':>8s} {'wall ms/turn':>13s} {'CPU ms/turn':>12s}")
    for name, wall, cpu in rows:
        print(f"{name:45s} {wall:8.1f} {cpu:8.1f} {1000 * wall / turns:13.1f} {1000 * cpu / turns:12.1f}")
    whole = done[0] - started[0], done[1] - started[1]
    print(f"{'whole (with catalog, index and logs opening)':45s} {whole[0]:8.1f} {whole[1]:8.1f}")
    print(
        f"R@10 {report['recall@10']:.4f} R@50 {report['recall@50']:.4f} "
        f"new R@10 {report['recall_new@10']:.4f} new R@50 {report['recall_new@50']:.4f}"
    )


if __name__ == "__main__":
    main()
