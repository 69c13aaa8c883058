"""The lock: released prompt versions and the content hash each was released with.

``prompts/prompts.lock.json`` maps ``"name@version"`` to the sha256 of the file's bytes.
It is committed; a released version is frozen (turns, feedback and eval runs refer to
it by version), so a change goes into a new version file and is released in turn.
Versions on disk that are not in the lock are drafts: they run only when pinned, picked
in the UI or put in an A/B split.

Deliberately left out: signing and un-releasing; delete an entry by hand in review.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from chat_rec.errors import PromptError
from chat_rec.prompts.registry import parse_ref, version_key, versions

LOCK_FILE = "prompts.lock.json"

_cache: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}


def lock_path(prompts_dir: Path) -> Path:
    return Path(prompts_dir) / LOCK_FILE


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_lock(prompts_dir: Path) -> dict[str, str]:
    """The lock's entries (empty when there is no lock file); re-read when the file changes."""
    path = lock_path(prompts_dir)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return dict(cached[1])
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise PromptError(f"{path}: not valid JSON: {exc}", f"Restore it from git ({LOCK_FILE} is committed).") from exc
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise PromptError(f"{path}: must map 'name@version' to a sha256 hash", f"Restore it from git ({LOCK_FILE}).")
    _cache[path] = (stamp, raw)
    return dict(raw)


def write_lock(prompts_dir: Path, lock: dict[str, str]) -> None:
    ordered = dict(sorted(lock.items(), key=lambda kv: (parse_ref(kv[0])[0], version_key(kv[0].partition("@")[2]))))
    lock_path(prompts_dir).write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")


def released(prompts_dir: Path, name: str) -> list[str]:
    """Released versions of ``name`` that exist on disk, oldest first."""
    locked = {parse_ref(ref)[1] for ref in read_lock(prompts_dir) if ref.partition("@")[0] == name}
    return [v for v in versions(prompts_dir, name) if v in locked]


def next_version(prompts_dir: Path, name: str) -> str:
    have = versions(prompts_dir, name)
    newest = version_key(have[-1])[0] if have else 0
    return f"v{newest + 1}"


def release(prompts_dir: Path, ref: str) -> str:
    """Lint one version and add it to the lock. Returns what happened, in one line."""
    from chat_rec.prompts.lint import lint_file

    name, version = parse_ref(ref)
    if version is None:
        raise PromptError(f"say which version of {name} to release", f"e.g. `chat-rec prompts release {name}@v2`.")
    path = Path(prompts_dir) / name / f"{version}.yaml"
    if not path.exists():
        raise PromptError(f"{path} does not exist", f"Create it first (copy the newest version of {name}).")
    lock = read_lock(prompts_dir)
    problems = lint_file(path, lock)
    if problems:
        raise PromptError(f"{ref} has lint problems: {problems[0].reason}", "Fix them (`chat-rec prompts lint`).")
    digest = file_hash(path)
    if lock.get(f"{name}@{version}") == digest:
        return f"{name}@{version} is already released ({digest[:16]})"
    lock[f"{name}@{version}"] = digest
    write_lock(prompts_dir, lock)
    return f"released {name}@{version} ({digest[:16]}); commit {lock_path(prompts_dir)} with it"
