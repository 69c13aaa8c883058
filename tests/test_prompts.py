"""Prompt files: lint, the release lock, version choice (pin, A/B, default), hot reload, trace."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chat_rec.agent.turn import Agent
from chat_rec.cli.prompts import app
from chat_rec.errors import PromptError
from chat_rec.prompts.choose import ab_version, choose_version
from chat_rec.prompts.lint import lint_dir, lint_settings
from chat_rec.prompts.lock import read_lock, release
from chat_rec.prompts.registry import load_prompt, versions
from chat_rec.settings import BUILTIN_PROMPTS, Settings
from tests.helpers import run_turn


def write_prompt(root: Path, name: str, version: str, template: str, inputs: list[str]) -> Path:
    data = {
        "name": name,
        "version": version,
        "kind": "text",
        "description": "A test prompt.",
        "author": "tests",
        "date": "2026-11-23",
        "inputs": inputs,
        "template": template,
    }
    path = root / name / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    write_prompt(root, "clarify", "v1", "Pick one of {{ options | join(', ') }}.", ["options"])
    return root


def reasons(root: Path) -> list[str]:
    return [f"{p.path.name}: {p.reason}" for p in lint_dir(root)]


# lint --------------------------------------------------------------------------------
def test_builtin_prompts_lint_clean() -> None:
    assert [str(p) for p in lint_dir(BUILTIN_PROMPTS)] == []
    assert {"clarify@v1", "intro@v1", "reason@v1", "recommend@v1"} <= set(read_lock(BUILTIN_PROMPTS))


def test_lint_passes_a_good_file(prompts: Path) -> None:
    assert reasons(prompts) == []
    assert "no such folder" in lint_dir(prompts / "missing")[0].reason


def test_lint_catches_syntax_error(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "Pick one of {{ options | join(', ') ", ["options"])
    (problem,) = reasons(prompts)
    assert problem.startswith("v2.yaml: template, line 1: Jinja syntax error")


def test_lint_catches_unknown_filter(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "{{ options | shout }}", ["options"])
    assert "No filter named 'shout'" in reasons(prompts)[0]


def test_lint_catches_unknown_variable(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "{{ greeting }} pick one of {{ options | join(', ') }}", ["options"])
    (problem,) = reasons(prompts)
    assert "unknown variable(s) ['greeting']" in problem


def test_lint_catches_missing_variable(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "{{ mood }}: {{ options | join(', ') }}", ["options", "mood"])
    (problem,) = reasons(prompts)
    assert "missing variable(s) ['mood']" in problem
    assert "agent does not supply" in problem


def test_lint_catches_bad_yaml_and_unknown_keys(prompts: Path) -> None:
    (prompts / "clarify" / "v2.yaml").write_text("name: clarify\nversion: v2\ntemplate: [unclosed\n")
    bad = write_prompt(prompts, "clarify", "v3", "{{ options }}", ["options"])
    bad.write_text(bad.read_text() + "temprature: 0.5\n")
    problems = reasons(prompts)
    assert any(p.startswith("v2.yaml: not valid YAML") for p in problems)
    assert any(p.startswith("v3.yaml: temprature: Extra inputs are not permitted") for p in problems)


def test_lint_catches_edited_released_version(prompts: Path) -> None:
    assert release(prompts, "clarify@v1").startswith("released clarify@v1")
    assert "already released" in release(prompts, "clarify@v1")
    path = prompts / "clarify" / "v1.yaml"
    path.write_text(path.read_text().replace("Pick one", "Choose one"))
    (problem,) = reasons(prompts)
    assert "clarify@v1 is released and was edited" in problem
    assert "new version" in problem and "clarify/v2.yaml" in problem
    with pytest.raises(PromptError):
        release(prompts, "clarify@v1")  # re-releasing does not launder an edit


def test_lint_catches_deleted_released_version(prompts: Path) -> None:
    release(prompts, "clarify@v1")
    write_prompt(prompts, "clarify", "v2", "{{ options | first }}", ["options"])
    (prompts / "clarify" / "v1.yaml").unlink()
    assert any("clarify@v1 is released but clarify/v1.yaml is gone" in p for p in reasons(prompts))


def test_release_refuses_a_broken_version(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "{{ nope }}", ["options"])
    with pytest.raises(PromptError, match="lint problems"):
        release(prompts, "clarify@v2")
    assert "clarify@v2" not in read_lock(prompts)


def test_lint_settings_checks_pins_and_splits(prompts: Path) -> None:
    settings = Settings(prompts_dir=prompts, prompt_versions={"clarify": "v9"}, prompt_ab={"clarify": {"v1": 0}})
    problems = [p.reason for p in lint_settings(settings)]
    assert any("clarify@v9 does not exist" in p for p in problems)
    assert any("weights" in p for p in problems)


# choosing a version -------------------------------------------------------------------
def test_ab_assignment_is_stable_and_matches_weights() -> None:
    weights = {"v1": 0.3, "v2": 0.7}
    ids = [f"user-{i}" for i in range(10_000)]
    first = [ab_version("recommend", u, weights) for u in ids]
    again = [ab_version("recommend", u, {"v2": 0.7, "v1": 0.3}) for u in ids]  # config order does not matter
    assert first == again
    share = Counter(first)["v1"] / len(ids)
    assert abs(share - 0.3) < 0.02, share
    # unnormalised weights and a three-way split
    three = Counter(ab_version("intro", u, {"v1": 1, "v2": 1, "v3": 2}) for u in ids)
    for version, expected in (("v1", 0.25), ("v2", 0.25), ("v3", 0.5)):
        assert abs(three[version] / len(ids) - expected) < 0.02, three
    # each prompt splits independently of the others
    other = [ab_version("intro", u, weights) for u in ids]
    assert other != first


def test_choose_pin_beats_ab_beats_released_default(prompts: Path) -> None:
    write_prompt(prompts, "clarify", "v2", "{{ options | first }}?", ["options"])
    base = Settings(prompts_dir=prompts)
    assert choose_version(base, "clarify", "u1") is None  # nothing released: newest on disk
    assert load_prompt(prompts, "clarify", None).version == "v2"
    release(prompts, "clarify@v1")
    assert choose_version(base, "clarify", "u1") == "v1"  # a draft v2 does not go live by accident
    split = Settings(prompts_dir=prompts, prompt_ab={"clarify": {"v2": 1.0}})
    assert choose_version(split, "clarify", "u1") == "v2"
    assert choose_version(split, "clarify", None) == "v1"  # no user, no split
    pinned = Settings(prompts_dir=prompts, prompt_ab={"clarify": {"v2": 1.0}}, prompt_versions={"clarify": "v1"})
    assert choose_version(pinned, "clarify", "u1") == "v1"
    release(prompts, "clarify@v2")
    assert choose_version(base, "clarify", "u1") == "v2"


def test_settings_read_ab_split_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_REC_PROMPT_AB", '{"recommend": {"v1": 0.5, "v2": 0.5}}')
    monkeypatch.setenv("CHAT_REC_PROMPT_VERSIONS", '{"intro": "v1"}')
    settings = Settings()
    assert settings.prompt_ab == {"recommend": {"v1": 0.5, "v2": 0.5}}
    assert settings.prompt_versions == {"intro": "v1"}


# hot reload ---------------------------------------------------------------------------
def test_hot_reload_picks_up_new_version_and_edits(prompts: Path) -> None:
    assert load_prompt(prompts, "clarify").render_text(options=["A", "B"]) == "Pick one of A, B."
    path = write_prompt(prompts, "clarify", "v2", "Which one: {{ options | join(' or ') }}?", ["options"])
    assert versions(prompts, "clarify") == ["v1", "v2"]
    assert load_prompt(prompts, "clarify").render_text(options=["A", "B"]) == "Which one: A or B?"
    path.write_text(path.read_text().replace("Which one", "Which one do you fancy"))
    assert load_prompt(prompts, "clarify", "v2").render_text(options=["A"]) == "Which one do you fancy: A?"
    write_prompt(prompts, "clarify", "v10", "{{ options | first }}", ["options"])
    assert versions(prompts, "clarify")[-1] == "v10"  # numeric order, not string order


# a real turn --------------------------------------------------------------------------
def test_turn_trace_carries_prompt_versions_and_hashes(agent: Agent) -> None:
    turn, _ = run_turn(agent, "a funny animated film for family night")
    used = turn.trace["prompts"]
    assert used["recommend"] == {"version": "v1", "hash": turn.prompt_hash}
    assert used["intro"]["version"] == "v1"
    assert used["reason"]["version"] == "v2"  # llm=none: template reasons
    assert all(len(entry["hash"]) == 16 for entry in used.values())
    stored = agent.store.turns("u1", "c1", limit=1)[-1]
    assert stored.trace["prompts"] == used
    asked, _ = run_turn(agent, "hi, recommend me something", user="u2")
    assert asked.kind == "clarify"
    assert asked.trace["prompts"] == {"clarify": {"version": "v1", "hash": asked.prompt_hash}}


def test_turn_uses_pinned_and_ab_versions(agent: Agent, tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(BUILTIN_PROMPTS, root)
    v2 = root / "intro" / "v2.yaml"
    v2.write_text((root / "intro" / "v1.yaml").read_text().replace("version: v1", "version: v2").replace("Here", "So"))
    draft = Agent(agent.settings.model_copy(update={"prompts_dir": root}), agent.space, agent.store, llm=None)
    turn, _ = run_turn(draft, "a tense science fiction thriller", user="a")
    assert turn.trace["prompts"]["intro"]["version"] == "v1"  # the draft is not live
    turn, _ = run_turn(draft, "a tense science fiction thriller", user="b")
    events = list(draft.turn("b", "a heist comedy", conversation_id="c2", prompt_versions={"intro": "v2"}))
    assert events[-1].turn.trace["prompts"]["intro"]["version"] == "v2"  # type: ignore[attr-defined]
    assert events[-1].turn.reply.startswith("So are")  # type: ignore[attr-defined]
    split = Settings(home=agent.settings.home, llm="none", prompts_dir=root, prompt_ab={"intro": {"v2": 1.0}})
    ab = Agent(split, agent.space, agent.store, llm=None)
    turn, _ = run_turn(ab, "a heist comedy", user="c")
    assert turn.trace["prompts"]["intro"]["version"] == "v2"


# the CLI ------------------------------------------------------------------------------
def test_cli_lint_release_render_diff(prompts: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CHAT_REC_PROMPTS_DIR": str(prompts)}
    assert runner.invoke(app, ["release", "clarify@v1"], env=env).exit_code == 0
    write_prompt(prompts, "clarify", "v2", "{{ oops }}", ["options"])
    result = runner.invoke(app, ["lint"], env=env)
    assert result.exit_code == 1
    assert "v2.yaml: unknown variable(s) ['oops']" in result.output
    write_prompt(prompts, "clarify", "v2", "Which: {{ options | join(' or ') }}?", ["options"])
    assert runner.invoke(app, ["lint"], env=env).output.strip() == "2 prompt files OK"
    example = tmp_path / "inputs.yaml"
    example.write_text("options: [Drama, Comedy]\n")
    result = runner.invoke(app, ["render", "clarify@v2", "--example", str(example)], env=env)
    assert result.output.strip() == "Which: Drama or Comedy?"
    result = runner.invoke(app, ["diff", "clarify", "v1", "v2"], env=env)
    assert "-template: Pick one of" in result.output and "+template: 'Which:" in result.output
    listing = runner.invoke(app, ["list"], env=env).output.splitlines()
    assert listing[0].split()[:4] == ["clarify", "v1", "released", "default"]
    assert listing[1].split()[:3] == ["clarify", "v2", "draft"]


def test_budget_drops_history_first_then_shortens() -> None:
    from chat_rec.prompts.budget import estimate_tokens, fit_inputs
    from chat_rec.prompts.registry import load_prompt
    from chat_rec.settings import BUILTIN_PROMPTS

    prompt = load_prompt(BUILTIN_PROMPTS, "recommend", "v1")
    item = {"title": "X", "year": 2000, "categories": ["Drama"], "tags": [], "description": "d" * 240}
    inputs = {"request": "r" * 1500, "item": item, "history": [{"user": "h" * 1500}, {"user": "k" * 1500}]}
    roomy = fit_inputs(prompt, inputs, budget=5000)
    assert roomy == inputs
    fitted = fit_inputs(prompt, inputs, budget=600)
    assert estimate_tokens(prompt, fitted) <= 600
    assert fitted["history"] == [] and fitted["request"].startswith("r")
    partial = fit_inputs(prompt, inputs, budget=900)
    assert [h["user"][0] for h in partial["history"]] == ["k"] and partial["request"] == inputs["request"]
