"""Prompt files: versioned YAML templates that product teams edit instead of code.

``prompts/<name>/<version>.yaml`` holds metadata, declared inputs, model settings and
a Jinja2 template rendered in a sandbox with strict undefined variables. Files are read
fresh (cached by modification time), so an edit shows up on the next turn without a
restart.

The sandbox (:class:`BoundedSandbox`) refuses attribute access that escapes the inputs
(``{{ ''.__class__.__mro__ }}``) and results too big to hold (``{{ 'a' * 10**10 }}``,
``range(10**9)``); any failure while rendering, whatever its type, is a
:class:`PromptError` naming the prompt file. Values (a user's message, a catalog
description) are data: they are printed, never rendered as templates themselves.

Deliberately left out: template inheritance and includes; a prompt is one file.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat_rec.errors import PromptError

Messages = list[dict[str, str]]


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    temperature: float = 0.2
    max_tokens: int = 256
    stop: list[str] = Field(default_factory=list)


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    kind: Literal["chat", "text"] = "chat"  # chat: sent to the LLM; text: shown as rendered
    description: str
    author: str
    date: date
    model: ModelSettings = Field(default_factory=ModelSettings)
    inputs: list[str]
    system: str = ""
    template: str
    output_schema: dict[str, Any] | None = None  # JSON schema the model's output must follow

    # filled in by the loader, not by the file
    path: Path | None = Field(default=None, exclude=True)
    content_hash: str = Field(default="", exclude=True)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def render(self, **inputs: Any) -> Messages:
        missing = sorted(set(self.inputs) - set(inputs))
        if missing:
            raise PromptError(f"{self.ref} needs inputs {missing} that the agent did not supply")
        env = _environment()
        try:
            system = env.from_string(self.system).render(**inputs).strip() if self.system else ""
            user = env.from_string(self.template).render(**inputs).strip()
        except SecurityError as exc:
            raise PromptError(f"{self.ref} was refused by the template sandbox: {exc}") from exc
        except TemplateError as exc:
            raise PromptError(f"{self.ref} failed to render: {exc}") from exc
        except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError, MemoryError) as exc:
            # a template's own expression failed ("{{ 1 / 0 }}", "{{ range(10**9) }}")
            raise PromptError(f"{self.ref} failed to render: {type(exc).__name__}: {exc}") from exc
        messages = [{"role": "system", "content": system}] if system else []
        return [*messages, {"role": "user", "content": user}]

    def render_text(self, **inputs: Any) -> str:
        """For ``kind: text`` prompts (fallbacks, clarifying questions): the rendered text itself."""
        return self.render(**inputs)[-1]["content"]


MAX_RENDERED = 100_000  # characters one expression may build: a prompt is a few thousand


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus a size check on ``*`` and ``**``: the stock sandbox blocks
    unsafe attributes and huge ``range()`` but would build ``'a' * 10**10``."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError(f"the exponent {right} is too large for a prompt template")
        if operator == "*":
            sized, times = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if isinstance(sized, (str, list, tuple)) and isinstance(times, int) and len(sized) * times > MAX_RENDERED:
                raise SecurityError(f"repeating a value {times} times makes more than {MAX_RENDERED} characters")
        return super().call_binop(context, operator, left, right)


@cache
def _environment() -> SandboxedEnvironment:
    return BoundedSandbox(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version)) or (0,)


_cache: dict[Path, tuple[tuple[int, int], PromptFile]] = {}


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``"recommend@v2"`` -> ``("recommend", "v2")``; ``"recommend"`` -> ``("recommend", None)``."""
    name, _, version = ref.strip().partition("@")
    if not name or (_ and not version):
        raise PromptError(f"{ref!r} is not a prompt reference", "Write NAME or NAME@VERSION, e.g. recommend@v2.")
    return name, version or None


def read_prompt_file(path: Path) -> PromptFile:
    path = Path(path)
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)  # size too: two quick edits can share an mtime
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    raw_bytes = path.read_bytes()
    try:
        raw = yaml.safe_load(raw_bytes)
        prompt = PromptFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PromptError(f"{path}: {where}: {first['msg']}") from exc
    if path.parent.name != prompt.name or path.stem != prompt.version:
        raise PromptError(f"{path}: name/version ({prompt.ref}) must match the path <name>/<version>.yaml")
    prompt.path = path
    prompt.content_hash = hashlib.sha256(raw_bytes).hexdigest()[:16]
    _cache[path] = (stamp, prompt)
    return prompt


def versions(prompts_dir: Path, name: str) -> list[str]:
    folder = Path(prompts_dir) / name
    return sorted((p.stem for p in folder.glob("*.yaml")), key=version_key)


def names(prompts_dir: Path) -> list[str]:
    return sorted(p.name for p in Path(prompts_dir).iterdir() if p.is_dir() and any(p.glob("*.yaml")))


def load_prompt(prompts_dir: Path, name: str, version: str | None = None) -> PromptFile:
    """``version=None`` means the newest version on disk."""
    available = versions(prompts_dir, name)
    if not available:
        raise PromptError(f"no prompt named {name!r} in {prompts_dir}", f"Create {prompts_dir}/{name}/v1.yaml.")
    chosen = version or available[-1]
    if chosen not in available:
        raise PromptError(f"{name}@{chosen} does not exist (have {available})", "Pick one of the listed versions.")
    return read_prompt_file(Path(prompts_dir) / name / f"{chosen}.yaml")
