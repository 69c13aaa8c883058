"""Lint prompt files before they reach a user.

For every ``prompts/<name>/<version>.yaml``: it parses (YAML, then the pydantic model),
its Jinja templates compile, the variables they use are declared in ``inputs``, every
declared input is one the agent supplies (:data:`AGENT_INPUTS`), it renders with the
example inputs in ``prompts/examples/<name>.json`` when there are some, and a released
version still has the hash it was released with (:mod:`chat_rec.prompts.lock`).

Deliberately left out: checking attribute access inside variables (``item.title``)
statically; the example render catches those.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, meta

from chat_rec.errors import PromptError
from chat_rec.prompts.lock import file_hash, lock_path, next_version, read_lock
from chat_rec.prompts.registry import PromptFile, _environment, parse_ref, read_prompt_file, versions
from chat_rec.settings import Settings

# What the agent passes to each prompt (chat_rec/agent/turn.py, compose.py, understand_llm.py).
# A new prompt, or a new input, needs code that supplies it: add it here in the same change.
AGENT_INPUTS: dict[str, frozenset[str]] = {
    "recommend": frozenset({"request", "item", "history"}),
    "intro": frozenset({"request", "n", "constraints"}),
    "clarify": frozenset({"options"}),
    "reason": frozenset({"item", "why"}),
    "understand": frozenset({"message", "categories", "moods"}),
    "pick": frozenset({"request", "candidates", "k", "history"}),
    "read": frozenset({"message", "history", "categories"}),
}

EXAMPLES_DIR = "examples"

# Roles whose output the code reads from a JSON schema: the paths it fills or reads
# (``enum`` lists the code fills with the turn's candidates or the catalog's categories).
ROLE_SCHEMA_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "pick": (
        ("properties", "picks", "items", "properties", "id", "enum"),
        ("properties", "picks", "items", "properties", "reason"),
    ),
    "read": (
        ("properties", "categories", "items", "enum"),
        ("properties", "rule_out", "items", "enum"),
        ("properties", "tags"),
        ("properties", "people"),
        ("properties", "titles"),
    ),
}


@dataclass(frozen=True)
class Problem:
    path: Path
    reason: str

    def __str__(self) -> str:
        try:
            shown = self.path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}: {self.reason}"


def lint_dir(prompts_dir: Path) -> list[Problem]:
    """Every problem in every prompt file under ``prompts_dir``, plus the lock's own."""
    prompts_dir = Path(prompts_dir)
    if not prompts_dir.is_dir():
        return [Problem(prompts_dir, "no such folder; check CHAT_REC_PROMPTS_DIR")]
    try:
        lock = read_lock(prompts_dir)
    except PromptError as exc:
        return [Problem(lock_path(prompts_dir), exc.message)]
    problems: list[Problem] = []
    for folder in sorted(p for p in prompts_dir.iterdir() if p.is_dir() and p.name != EXAMPLES_DIR):
        problems += [Problem(p, "prompt files end in .yaml; rename it") for p in sorted(folder.glob("*.yml"))]
        for version in versions(prompts_dir, folder.name):
            problems += lint_file(folder / f"{version}.yaml", lock)
    for ref in lock:
        name, version = ref.partition("@")[0], ref.partition("@")[2]
        if not (prompts_dir / name / f"{version}.yaml").exists():
            problems.append(
                Problem(
                    lock_path(prompts_dir),
                    f"{ref} is released but {name}/{version}.yaml is gone; restore it "
                    "(stored turns and eval runs refer to released versions)",
                )
            )
    return problems


def lint_file(path: Path, lock: dict[str, str]) -> list[Problem]:
    path = Path(path)
    problems = _check_lock(path, lock)
    try:
        prompt = read_prompt_file(path)
    except PromptError as exc:
        return [*problems, Problem(path, exc.message.removeprefix(f"{path}: "))]
    used: set[str] = set()
    for field, source in (("system", prompt.system), ("template", prompt.template)):
        if not source:
            continue
        try:
            _environment().from_string(source)
            used |= meta.find_undeclared_variables(_environment().parse(source))
        except TemplateSyntaxError as exc:
            problems.append(Problem(path, f"{field}, line {exc.lineno}: Jinja syntax error: {exc.message}"))
    declared = set(prompt.inputs)
    if unknown := sorted(used - declared):
        problems.append(
            Problem(path, f"unknown variable(s) {unknown}: the template uses them but `inputs` does not declare them")
        )
    supplied = AGENT_INPUTS.get(prompt.name)
    if supplied is None:
        problems.append(
            Problem(
                path,
                f"the agent loads no prompt named {prompt.name!r} (it loads {sorted(AGENT_INPUTS)}); "
                "add it to AGENT_INPUTS in chat_rec/prompts/lint.py with the code that uses it",
            )
        )
    elif missing := sorted(declared - supplied):
        problems.append(
            Problem(
                path,
                f"missing variable(s) {missing}: declared in `inputs` but the agent does not supply them "
                f"(it supplies {sorted(supplied)})",
            )
        )
    elif not problems:
        problems += _check_example(path, prompt)
    return problems + _check_schema(path, prompt)


def _check_schema(path: Path, prompt: PromptFile) -> list[Problem]:
    """A role's output schema is valid JSON Schema and has every path the agent reads."""
    paths = ROLE_SCHEMA_PATHS.get(prompt.name)
    if paths is None and prompt.output_schema is None:
        return []
    if prompt.output_schema is None:
        return [Problem(path, f"the {prompt.name} role needs an output_schema (copy it from {prompt.name}/v1.yaml)")]
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(prompt.output_schema)
    except SchemaError as exc:
        return [Problem(path, f"output_schema is not valid JSON Schema: {exc.message}")]
    problems = []
    for keys in paths or ():
        node: Any = prompt.output_schema
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            problems.append(
                Problem(path, f"output_schema lacks {'.'.join(keys)}, which the agent reads or fills for this role")
            )
    return problems


def _check_lock(path: Path, lock: dict[str, str]) -> list[Problem]:
    ref = f"{path.parent.name}@{path.stem}"
    locked = lock.get(ref)
    if locked is None or file_hash(path) == locked:
        return []
    prompts_dir = path.parent.parent
    new = prompts_dir / path.parent.name / f"{next_version(prompts_dir, path.parent.name)}.yaml"
    return [
        Problem(
            path,
            f"{ref} is released and was edited (hash {file_hash(path)[:16]} != released {locked[:16]}); "
            f"released versions are frozen: copy your change into a new version ({new}), "
            f"restore this file (git checkout -- {path}), then `chat-rec prompts release` the new one",
        )
    ]


def example_inputs(prompts_dir: Path, name: str) -> Path | None:
    path = Path(prompts_dir) / EXAMPLES_DIR / f"{name}.json"
    return path if path.exists() else None


def load_inputs(path: Path) -> dict[str, Any]:
    """Example inputs from a .json or .yaml file holding one mapping."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise PromptError(f"{path} does not exist", "Pass a .json or .yaml file of inputs, e.g. prompts/examples/.")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise PromptError(
            f"{path}: cannot read inputs: {exc}", "Fix the example file (one JSON/YAML mapping)."
        ) from exc
    if not isinstance(data, dict):
        raise PromptError(f"{path}: inputs must be one mapping of name -> value", 'e.g. {"options": ["Drama"]}.')
    return data


def _check_example(path: Path, prompt: PromptFile) -> list[Problem]:
    example = example_inputs(path.parent.parent, prompt.name)
    if example is None:
        return []
    try:
        prompt.render(**load_inputs(example))
    except PromptError as exc:
        return [Problem(path, f"does not render with {example}: {exc.message}")]
    return []


def lint_settings(settings: Settings) -> list[Problem]:
    """Pins and A/B splits must name versions that exist, with positive weights."""
    where = Path("settings")
    problems: list[Problem] = []
    chosen = [(f"CHAT_REC_PROMPT_VERSIONS[{n}]", n, v) for n, v in settings.prompt_versions.items()]
    for name, split in settings.prompt_ab.items():
        chosen += [(f"CHAT_REC_PROMPT_AB[{name}]", name, v) for v in split]
        if not split or any(w < 0 for w in split.values()) or sum(split.values()) <= 0:
            problems.append(Problem(where, f"CHAT_REC_PROMPT_AB[{name}]: weights must be >= 0 and not all 0"))
    for label, name, version in chosen:
        parse_ref(f"{name}@{version}")
        if version not in versions(settings.prompts_dir, name):
            have = versions(settings.prompts_dir, name)
            problems.append(Problem(where, f"{label}: {name}@{version} does not exist (have {have})"))
    return problems
