"""``chat-rec ranking``: show and fit ranking configs.

``fit --train`` fits the learned ranker (LightGBM LambdaRank) on ReDial training dialogs
and writes ``ranking/vN-ltr/``; ``fit --dev`` fits the weighted sum's weights
(``ranking/vN.yaml``) by coordinate ascent on a dev set.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer
import yaml

from chat_rec.settings import BUILTIN_RANKING, PROJECT_ROOT

if TYPE_CHECKING:
    from chat_rec.eval.crs_catalogs import RedialFiles
    from chat_rec.eval.crs_ltr import LtrParams

app = typer.Typer(no_args_is_help=True, help="Ranking configs: show them, fit them on a dev set.")

FIT_FEATURES = ("popularity", "collab", "seed", "lexical", "category", "tag", "taste", "dislike", "series")


def next_version(folder: Path) -> str:
    numbers = [int(m.group(1)) for p in folder.glob("v*") if (m := re.match(r"v(\d+)", p.stem))]
    return f"v{max(numbers, default=0) + 1}"


@app.command()
def show(path: Path = typer.Argument(BUILTIN_RANKING)) -> None:
    """Print a ranking config's weights."""
    from chat_rec.agent.rank import load_ranking_config

    config = load_ranking_config(path)
    typer.echo(f"{config.version}: {config.description.strip()}")
    for name, weight in config.weights.items():
        typer.echo(f"  {name:12s} {weight:g}")


@app.command()
def fit(
    dev: Path | None = typer.Option(None, "--dev", help="weighted sum: dev dialogs (ReDial JSONL or INSPIRED TSV)"),
    train: list[Path] = typer.Option(
        [], "--train", help="learned ranker: ReDial training dialogs (JSONL; repeat for several files)"
    ),
    holdout: int = typer.Option(400, "--holdout", help="--train: dialogs held out to validate on (0: fit on all)"),
    folds: int = typer.Option(5, "--folds", help="--train: K for the K-fold signals"),
    rounds: int = typer.Option(200, "--rounds", help="--train: boosting rounds"),
    leaves: int = typer.Option(31, "--leaves", help="--train: leaves per tree"),
    min_leaf: int = typer.Option(50, "--min-leaf", help="--train: fewest rows a leaf may hold (higher: smoother)"),
    seed: int = typer.Option(0, "--seed", help="--train: the model's seed (fits differ by seed: compare several)"),
    fits: int = typer.Option(
        1, "--fits", help="--train: fit with seeds --seed, --seed+1, ... and average their scores (steadier)"
    ),
    rerank: int = typer.Option(300, "--rerank", help="--train: the model reorders the weighted sum's first N"),
    policy: bool = typer.Option(
        False, "--policy", help="--train: learn the agent's list (named films left out, new films the targets)"
    ),
    relative: bool = typer.Option(
        False, "--relative", help="--train: add where each candidate stands in its turn's list as inputs"
    ),
    requests: bool = typer.Option(
        False, "--requests", help="--train: add the request memory of the training dialogs (the `asked` inputs)"
    ),
    item_facts: bool = typer.Option(
        False, "--item-facts", help="--train: add the record's year, own popularity field and mean rating as inputs"
    ),
    movies: Path | None = typer.Option(None, "--movies", help="ReDial movies.csv (ReDial dev sets)"),
    movielens: Path | None = typer.Option(None, "--movielens", help="MovieLens-small folder (INSPIRED dev sets)"),
    metadata: Path | None = typer.Option(None, "--metadata", help="MovieLens movies_w_keywords.csv"),
    tmdb: Path | None = typer.Option(
        None, "--tmdb", help="TMDB CSV (INSPIRED catalog; ReDial: vote counts as popularity)"
    ),
    ratings: Path | None = typer.Option(
        None,
        "--ratings",
        help="MovieLens ratings.csv (ReDial): each linked film's mean rating, a learned ranker's input",
    ),
    interactions: list[Path] = typer.Option([], "--interactions", help="training interaction logs"),
    base: Path = typer.Option(BUILTIN_RANKING, "--base", help="starting config"),
    out: Path | None = typer.Option(None, "--out", help="where to write (default ranking/vN+1.yaml)"),
    limit: int | None = typer.Option(None, "--limit"),
    cache: Path | None = typer.Option(None, "--cache"),
    passes: int = typer.Option(3, "--passes"),
) -> None:
    """Fit a learned ranker (--train) or the weighted sum's weights (--dev); report the figures.

    With --train: a LightGBM LambdaRank model over the agent's features, each example's
    co-mention signals built without its own dialog (K-fold), validated on held-out
    training dialogs against the --base weighted sum, written to ranking/vN-ltr/.

    With --dev: the objective is the mean of Recall@10 and Recall@50 over all and over new
    targets. Also reports a 2-fold split by dialog (fit on one half, score the other) as an
    estimate of how much of the gain is overfitting.
    """
    from chat_rec.eval.crs_catalogs import RedialFiles

    if train:
        from chat_rec.eval.crs_ltr import LtrParams

        params = LtrParams(
            rounds=rounds,
            leaves=leaves,
            min_data_in_leaf=min_leaf,
            seed=seed,
            fits=fits,
            rerank=rerank,
            policy=policy,
            relative=relative,
            requests=requests,
            item_facts=item_facts,
        )
        files = RedialFiles(movies, metadata, tmdb=tmdb, ratings=ratings) if movies else None
        _fit_learned(train, files, base, out, cache, holdout, folds, params)
        return
    if dev is None:
        raise typer.BadParameter("pass --train (learned ranker) or --dev (weighted sum)")
    from chat_rec.agent.rank import load_ranking_config
    from chat_rec.cli.eval_crs import _cache, _interactions, training_logs
    from chat_rec.eval.crs_bench import evaluate, fit_weights, split_run
    from chat_rec.eval.crs_run import BenchSpec, prepare_inspired, prepare_redial

    logs = _interactions(interactions, [], []) if interactions or dev.suffix != ".jsonl" else training_logs(dev)
    spec = BenchSpec(dev, _cache(cache), limit, logs)
    if dev.suffix == ".tsv":
        if movielens is None:
            raise typer.BadParameter("INSPIRED dev sets need --movielens")
        run, _ = prepare_inspired(spec, movielens, metadata, tmdb)
    else:
        if movies is None:
            raise typer.BadParameter("ReDial dev sets need --movies")
        run, _ = prepare_redial(spec, RedialFiles(movies, metadata, tmdb=tmdb, ratings=ratings))
    start = load_ranking_config(base)
    folder = PROJECT_ROOT / "ranking"
    version = out.stem if out else next_version(folder)
    half_a, half_b = split_run(run)
    fit_a, _, _ = fit_weights([half_a], start, FIT_FEATURES, passes=passes)
    fit_b, _, _ = fit_weights([half_b], start, FIT_FEATURES, passes=passes)
    cross = [evaluate(half_b, fit_a), evaluate(half_a, fit_b)]
    config, score, log = fit_weights([run], start, FIT_FEATURES, passes=passes, version=version)
    before, after = evaluate(run, start), evaluate(run, config)
    for line in log:
        typer.echo(line)
    keys = ("recall@1", "recall@10", "recall@50", "recall_new@10", "recall_new@50")
    for name, metrics in (("start", before), ("fitted", after), ("2-fold A->B", cross[0]), ("2-fold B->A", cross[1])):
        typer.echo(f"{name:12s} " + " ".join(f"{k}={metrics[k]:.3f}" for k in keys))
    path = out or folder / f"{version}.yaml"
    doc = {
        "version": version,
        "description": (
            f"Fitted by `chat-rec ranking fit` from {start.version} on {dev.name} "
            f"({after['n_targets']} targets): dev R@10 / R@50 {after['recall@10']:.3f} / {after['recall@50']:.3f} "
            f"over the whole list, {after['recall_new@10']:.3f} / {after['recall_new@50']:.3f} on new items; "
            f"2-fold new R@10 {(cross[0]['recall_new@10'] + cross[1]['recall_new@10']) / 2:.3f}."
        ),
        "weights": config.weights,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    typer.echo(f"dev score {score:.4f}; wrote {path}")
    typer.echo(
        f"Score it with `chat-rec eval redial ... --ranking {path}`; serve it with CHAT_REC_RANKING_CONFIG={path}."
    )


def _fit_learned(
    train: list[Path],
    files: RedialFiles | None,
    base_path: Path,
    out: Path | None,
    cache: Path | None,
    holdout: int,
    folds: int,
    params: LtrParams,
) -> None:
    from chat_rec.agent.rank import load_ranking_config
    from chat_rec.cli.eval_crs import _cache
    from chat_rec.eval.crs_fit import fit as fit_model
    from chat_rec.eval.crs_fit import read_training
    from chat_rec.eval.crs_ltr import write_model
    from chat_rec.eval.crs_run import redial_setup

    if files is None:
        raise typer.BadParameter("--train needs --movies (the ReDial movies.csv)")
    base = load_ranking_config(base_path)
    setup = redial_setup(_cache(cache), files)
    data = read_training(setup, train)
    typer.echo(f"{len(data.dialogs)} training dialogs, {len(data.turns)} recommender turns naming a film")
    outcome = fit_model(data, base, params, holdout, folds, progress=typer.echo)
    keys = ("recall@1", "recall@10", "recall@50", "recall_new@1", "recall_new@10", "recall_new@50", "ndcg@10")
    for name, metrics in outcome.validation.items():
        typer.echo(f"validation {name:10s} " + " ".join(f"{k}={metrics[k]:.3f}" for k in keys))
    folder = PROJECT_ROOT / "ranking"
    target = out or folder / f"{next_version(folder)}-ltr"
    relative = " and their place in the list" if params.relative else ""
    relative += " and the request memory of the same dialogs" if params.requests else ""
    relative += " and the records' year, popularity and rating fields" if params.item_facts else ""
    policy = ", the agent's list: new films only" if params.policy else ""
    description = (
        f"LightGBM LambdaRank over the agent's features{relative}, "
        f"reordering the first {params.rerank} of {base.version}'s weighted sum (its weights are the fallback); "
        f"fitted by `chat-rec ranking fit --train` on {outcome.fit_dialogs} ReDial training dialogs "
        f"({outcome.examples} turns{policy}), "
        f"{folds}-fold signals; {params.rounds} rounds, {params.leaves} leaves "
        f"of at least {params.min_data_in_leaf} rows, "
        + (
            f"seed {params.seed}"
            if params.fits <= 1
            else f"seeds {params.seed}-{params.seed + params.fits - 1} averaged"
        )
    )
    if not outcome.validation:
        description += "; no held-out dialogs (choose its settings with --holdout first)"
    else:
        learned, weighted = outcome.validation["learned"], outcome.validation[base.version]
        description += (
            f"; on {holdout} held-out training dialogs R@10 / R@50 {learned['recall@10']:.3f} / "
            f"{learned['recall@50']:.3f}, new {learned['recall_new@10']:.3f} / {learned['recall_new@50']:.3f} "
            f"({base.version}: {weighted['recall@10']:.3f} / {weighted['recall@50']:.3f}, new "
            f"{weighted['recall_new@10']:.3f} / {weighted['recall_new@50']:.3f})"
        )
    path = write_model(outcome.booster, target, target.name, base, params, outcome.logs, description + ".")
    typer.echo(f"wrote {path}; score it with `chat-rec eval redial ... --ranking {target}`")
