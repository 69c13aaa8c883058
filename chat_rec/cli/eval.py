"""``chat-rec eval``: replay transcripts, export sessions, compare runs, feedback, reports.

The ReDial / INSPIRED benchmark commands live in :mod:`chat_rec.cli.eval_crs` and are
registered here when that module is present.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from chat_rec.eval.report import fmt

app = typer.Typer(no_args_is_help=True, help="Evaluate: replay transcripts, compare runs, benchmarks.")


@app.command("replay")
def replay(
    files: list[Path] = typer.Argument(..., help="Transcript .jsonl files (or folders of them), e.g. eval/cases."),
    out: Path = typer.Option(..., "--out", "-o", help="Run folder to write (traces.jsonl, metrics.json, reports)."),
    prompt: list[str] = typer.Option([], "--prompt", help="Pin a prompt version, e.g. recommend@v2 (repeatable)."),
    llm: str | None = typer.Option(None, "--llm", help="llamacpp | openai | none (default: CHAT_REC_LLM)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-turn progress."),
) -> None:
    """Replay user turns through the agent, check assertions, write traces, metrics and reports.

    Exits 1 when any assertion fails (usable in CI).
    """
    from chat_rec.errors import InputError
    from chat_rec.eval.replay import replay as run_replay
    from chat_rec.eval.replay import write_run
    from chat_rec.eval.transcript import load_many
    from chat_rec.index.space import open_space
    from chat_rec.llm import make_llm
    from chat_rec.settings import get_settings
    from chat_rec.signals.store import load_signals

    if llm is not None and llm not in ("llamacpp", "openai", "none"):
        raise InputError(f"unknown --llm {llm!r}", "Use llamacpp, openai or none.")
    bad = [p for p in prompt if "@" not in p]
    if bad:
        raise InputError(f"--prompt {bad[0]!r} is not NAME@VERSION", "For example --prompt recommend@v2.")
    conversations = load_many(files)
    settings = get_settings(**({"llm": llm} if llm else {}))
    space = open_space(settings, progress=not quiet)
    result = run_replay(
        conversations,
        settings,
        space,
        make_llm(settings),
        load_signals(settings, space),
        prompt_versions=dict(p.split("@", 1) for p in prompt),
        progress=None if quiet else (lambda msg: typer.echo(f"  {msg}", err=True)),
    )
    write_run(result, out)
    m = result.metrics
    typer.echo(
        f"{m['n_turns']} turns in {m['run']['n_conversations']} conversations · llm {m['run']['llm']} · "
        f"grounded {fmt(m['grounded_rate'])} · faithfulness {fmt(m['faithfulness'])} · "
        f"total p50/p95 {fmt(m.get('total_ms_p50'), 0)}/{fmt(m.get('total_ms_p95'), 0)} ms"
    )
    for f in result.failures:
        typer.echo(f"FAIL {f['key']} ({f['message']!r}): {f['reason']}")
    typer.echo(f"{'PASS' if result.ok else 'FAIL'}: report at {out / 'report.html'}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("export")
def export(
    user: str = typer.Option(..., "--user", "-u", help="User id in the store."),
    conversation: str = typer.Option(..., "--conversation", "-c", help="Conversation id."),
    out: Path = typer.Option(..., "--out", "-o", help="Transcript file to write (.jsonl); '-' prints it."),
    append: bool = typer.Option(False, "--append", help="Append to the file instead of replacing it."),
) -> None:
    """Export a stored conversation as a transcript line (record once, replay forever)."""
    from chat_rec.catalog.load import load_catalog
    from chat_rec.eval.transcript import export_transcript, to_jsonl_line
    from chat_rec.memory.store import Store
    from chat_rec.settings import get_settings

    settings = get_settings()
    store = Store(settings.store_path)
    try:
        catalog = load_catalog(settings.catalog, settings.catalog_mapping).catalog
        line = to_jsonl_line(export_transcript(store, user, conversation, catalog))
    finally:
        store.close()
    if str(out) == "-":
        typer.echo(line)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "a" if append else "w", encoding="utf-8") as fh:
        fh.write(line + "\n")
    typer.echo(f"wrote {out}")


@app.command("compare")
def compare(
    run_a: Path = typer.Argument(..., help="Baseline run folder (A)."),
    run_b: Path = typer.Argument(..., help="Candidate run folder (B)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write compare.json and reports."),
    n_boot: int = typer.Option(2000, "--bootstrap", help="Bootstrap resamples."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
) -> None:
    """Paired per-turn differences B - A with bootstrap CIs, win/lose/tie, changed turns."""
    from chat_rec.eval.compare import compare_runs, write_compare

    comparison = compare_runs(run_a, run_b, n_boot=n_boot, seed=seed)
    target = out or run_b / f"compare-vs-{run_a.resolve().name}"
    write_compare(comparison, target)
    typer.echo(f"{comparison['n_paired']} paired turns")
    typer.echo(f"{'metric':<22}{'A':>11}{'B':>11}{'B-A':>12}  {'95% CI':<26} win/lose/tie")
    for r in comparison["metrics"]:
        if not r["n"]:
            typer.echo(f"{r['metric']:<22}{'n/a':>11}{'n/a':>11}{'n/a':>12}  (no paired values)")
            continue
        ci = f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]"
        typer.echo(
            f"{r['metric']:<22}{fmt(r['mean_a']):>11}{fmt(r['mean_b']):>11}{r['mean']:>+12.3f}  {ci:<26} "
            f"{r['win']}/{r['lose']}/{r['tie']}"
        )
    typer.echo(f"{len(comparison['changed'])} turn(s) changed their recommendations")
    for c in comparison["changed"]:
        typer.echo(f"  {c['key']}: {', '.join(c['a'])} -> {', '.join(c['b'])}")
    typer.echo(f"report at {target / 'report.html'}")


@app.command("feedback")
def feedback(
    by: str = typer.Option(
        "prompt_version", "--by", help="prompt_version | prompt | prompt_hash | llm | ranking_version | user"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Like / dislike / seen rates and clarifying-question rate from stored turns (CHAT_REC_HOME)."""
    from chat_rec.eval.feedback import feedback_summary
    from chat_rec.memory.store import Store
    from chat_rec.settings import get_settings

    store = Store(get_settings().store_path)
    try:
        rows = feedback_summary(store, by)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{by:<18}{'turns':>7}{'shown':>7}{'like':>8}{'dislike':>9}{'seen':>8}{'clarify':>9}")
    for r in rows:
        typer.echo(
            f"{r[by]:<18}{r['turns']:>7}{r['shown']:>7}{fmt(r['like_rate']):>8}{fmt(r['dislike_rate']):>9}"
            f"{fmt(r['seen_rate']):>8}{fmt(r['clarify_rate']):>9}"
        )
    if rows and rows[-1]["unattributed_feedback"]:
        typer.echo(f"({rows[-1]['unattributed_feedback']} feedback events not tied to a stored turn)")


@app.command("report")
def report(
    path: Path = typer.Argument(..., help="A run folder, a compare folder, or a benchmark result .json."),
) -> None:
    """(Re)write report.md and report.html."""
    from chat_rec.eval.report import report_any

    for written in report_any(path):
        typer.echo(f"wrote {written}")


def _register_benchmarks() -> None:
    """The ReDial / INSPIRED commands from chat_rec.cli.eval_crs, when that module is present."""
    import importlib

    try:
        crs = importlib.import_module("chat_rec.cli.eval_crs")
    except ImportError:
        return
    for name in ("redial", "inspired"):
        if hasattr(crs, name):
            app.command(name)(getattr(crs, name))
    from chat_rec.cli.eval_roles import roles

    app.command("roles")(roles)


_register_benchmarks()
