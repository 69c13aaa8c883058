"""``chat-rec prompts``: list, show, lint, diff, render and release prompt versions.

The guide for product teams is prompts/README.md. Everything reads ``CHAT_REC_PROMPTS_DIR``
(default: the repository's prompts/ folder).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import typer

from chat_rec.errors import PromptError
from chat_rec.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Versioned prompt files: list, show, lint, diff, render, release.")


@app.command("list")
def list_prompts() -> None:
    """Every prompt and version: released or draft, and which one users get."""
    from chat_rec.prompts.choose import active_version
    from chat_rec.prompts.lock import released
    from chat_rec.prompts.registry import names, read_prompt_file, versions

    settings = get_settings()
    root = settings.prompts_dir
    for name in names(root):
        done = set(released(root, name))
        active = active_version(settings, name)
        split = settings.prompt_ab.get(name, {})
        total = sum(w for w in split.values() if w > 0) or 1.0
        for version in versions(root, name):
            notes = []
            if version == active:
                notes.append("pinned" if settings.prompt_versions.get(name) else "default")
            if split.get(version, 0) > 0:
                notes.append(f"A/B {100 * split[version] / total:.0f}%")
            try:
                prompt = read_prompt_file(root / name / f"{version}.yaml")
                info = f"{prompt.content_hash}  {prompt.description.strip().splitlines()[0][:60]}"
            except PromptError:
                info = "(does not parse: run `chat-rec prompts lint`)"
            status = "released" if version in done else "draft"
            typer.echo(f"{name:<11} {version:<5} {status:<8} {', '.join(notes):<14} {info}")


@app.command()
def show(ref: str = typer.Argument(..., help="NAME or NAME@VERSION (default: the version users get).")) -> None:
    """Print one prompt file with its status and hash."""
    from chat_rec.prompts.choose import active_version
    from chat_rec.prompts.lock import released
    from chat_rec.prompts.registry import load_prompt, parse_ref

    settings = get_settings()
    name, version = parse_ref(ref)
    prompt = load_prompt(settings.prompts_dir, name, version or active_version(settings, name))
    assert prompt.path is not None
    status = "released" if prompt.version in released(settings.prompts_dir, name) else "draft"
    typer.echo(f"# {prompt.ref}  {status}  hash {prompt.content_hash}  {prompt.path}")
    typer.echo(prompt.path.read_text(encoding="utf-8").rstrip("\n"))


@app.command()
def lint() -> None:
    """Check every prompt file (and the pins and A/B splits in settings); exit 1 on problems."""
    from chat_rec.prompts.lint import lint_dir, lint_settings
    from chat_rec.prompts.registry import names, versions

    settings = get_settings()
    problems = [*lint_dir(settings.prompts_dir), *lint_settings(settings)]
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    count = sum(len(versions(settings.prompts_dir, n)) for n in names(settings.prompts_dir))
    typer.echo(f"{count} prompt files OK")


@app.command()
def diff(name: str, old: str, new: str) -> None:
    """Unified diff between two versions of one prompt, e.g. `diff recommend v1 v2`."""
    from chat_rec.prompts.registry import load_prompt

    root = get_settings().prompts_dir
    a, b = load_prompt(root, name, old), load_prompt(root, name, new)
    assert a.path is not None and b.path is not None
    lines = difflib.unified_diff(
        a.path.read_text(encoding="utf-8").splitlines(keepends=True),
        b.path.read_text(encoding="utf-8").splitlines(keepends=True),
        fromfile=str(a.path),
        tofile=str(b.path),
    )
    text = "".join(lines)
    typer.echo(text.rstrip("\n") if text else f"{a.ref} and {b.ref} have the same content")


@app.command()
def render(
    ref: str = typer.Argument(..., help="NAME@VERSION (or NAME for the version users get)."),
    example: Path | None = typer.Option(
        None, "--example", "-e", help="A .json/.yaml file of inputs (default: prompts/examples/NAME.json)."
    ),
) -> None:
    """Render a prompt with example inputs: exactly what the model (or the user) would see."""
    from chat_rec.prompts.choose import active_version
    from chat_rec.prompts.lint import example_inputs, load_inputs
    from chat_rec.prompts.registry import load_prompt, parse_ref

    settings = get_settings()
    name, version = parse_ref(ref)
    prompt = load_prompt(settings.prompts_dir, name, version or active_version(settings, name))
    source = example or example_inputs(settings.prompts_dir, name)
    if source is None:
        raise PromptError(f"no example inputs for {name}", f"Pass --example FILE with {prompt.inputs}.")
    inputs = load_inputs(source)
    if prompt.kind == "text":
        typer.echo(prompt.render_text(**inputs))
        return
    for message in prompt.render(**inputs):
        typer.echo(f"--- {message['role']} ---\n{message['content']}")


@app.command()
def release(refs: list[str] = typer.Argument(..., help="NAME@VERSION, one or more.")) -> None:
    """Lint a version and add it to prompts/prompts.lock.json; it becomes the default and is frozen."""
    from chat_rec.prompts.lock import release as release_version

    root = get_settings().prompts_dir
    for ref in refs:
        typer.echo(release_version(root, ref))
