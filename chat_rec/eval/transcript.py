"""The transcript format: one conversation per JSONL line (documented in ``eval/README.md``).

A conversation is a list of turns of three roles: ``user`` (what the person typed, with
optional assertions under ``expect``), ``assistant`` (what the agent answered when the
transcript was recorded) and ``feedback`` (a like / dislike / seen click). Unknown keys
are errors so a typo in an assertion never silently passes.

:func:`export_transcript` turns a stored session back into this format (record once,
replay forever).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chat_rec.catalog.items import Catalog
from chat_rec.errors import InputError
from chat_rec.memory.store import Store


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(_Strict):
    """Assertions on the agent's answer to one user turn. Items are catalog ids or titles."""

    must_recommend_any: list[str] = Field(default_factory=list)
    must_not_recommend: list[str] = Field(default_factory=list)
    must_ask_clarifying: bool | None = None  # True: a question; False: recommendations
    min_recommendations: int | None = None
    genres_exclude: list[str] = Field(default_factory=list)
    categories_exclude: list[str] = Field(default_factory=list)
    categories_include: list[str] = Field(default_factory=list)  # every pick has one of these
    year_min: int | None = None
    year_max: int | None = None
    max_duration: float | None = None
    languages_exclude: list[str] = Field(default_factory=list)
    max_per_series: int | None = None  # e.g. 1: not "Toy Story 2, 3 and 4" in one list
    reply_contains: list[str] = Field(default_factory=list)  # phrases the reply must have (any case)
    reply_excludes: list[str] = Field(
        default_factory=list
    )  # phrases it must not have: a leaked prompt, an obeyed order

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_defaults=True)


class UserTurn(_Strict):
    role: Literal["user"] = "user"
    text: str = Field(min_length=1)
    expect: Expect | None = None


class Recommendation(_Strict):
    item_id: str
    title: str | None = None
    reason: str = ""


class AssistantTurn(_Strict):
    role: Literal["assistant"] = "assistant"
    text: str = ""
    kind: Literal["recommend", "clarify", "chat"] = "recommend"
    recommendations: list[Recommendation] = Field(default_factory=list)
    prompt_version: str | None = None  # "recommend@v1"
    llm: str | None = None


class FeedbackEvent(_Strict):
    """A click on an item: by id or title (``item``), or by 1-based position in the latest answer."""

    role: Literal["feedback"] = "feedback"
    kind: Literal["like", "dislike", "seen"]
    item: str | None = None
    position: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_target(self) -> FeedbackEvent:
        if (self.item is None) == (self.position is None):
            raise ValueError("give exactly one of 'item' or 'position'")
        return self


Turn = Annotated[UserTurn | AssistantTurn | FeedbackEvent, Field(discriminator="role")]


class Conversation(_Strict):
    id: str = Field(min_length=1)
    description: str = ""
    user_id: str = "eval"
    tags: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_user_turn(self) -> Conversation:
        if not any(isinstance(t, UserTurn) for t in self.turns):
            raise ValueError("a conversation needs at least one user turn")
        return self


def parse_conversation(data: dict[str, Any] | str) -> Conversation:
    if isinstance(data, str):
        return Conversation.model_validate_json(data)
    return Conversation.model_validate(data)


def load_transcripts(path: Path) -> list[Conversation]:
    """Every conversation in a JSONL file; the first bad line raises with its line number."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"transcript file not found: {path}", "Pass a .jsonl file, e.g. eval/cases/basics.jsonl.")
    out: list[Conversation] = []
    ids: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", "Save it as UTF-8.") from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", "Check the path and its permissions.") from exc
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            conv = parse_conversation(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                f"{path.name}:{lineno}: {where}: {first['msg']}", "See eval/README.md for the transcript format."
            ) from exc
        if conv.id in ids:
            raise InputError(f"{path.name}:{lineno}: duplicate conversation id {conv.id!r}")
        ids.add(conv.id)
        out.append(conv)
    if not out:
        raise InputError(f"{path} holds no conversations")
    return out


def load_many(paths: list[Path]) -> list[Conversation]:
    """Several files (or folders of ``*.jsonl``) in order; ids are prefixed by file stem when they clash."""
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(Path(p).glob("*.jsonl")) if Path(p).is_dir() else [Path(p)])
    out: list[Conversation] = []
    seen: set[str] = set()
    for f in files:
        for conv in load_transcripts(f):
            if conv.id in seen:
                conv = conv.model_copy(update={"id": f"{f.stem}/{conv.id}"})
            seen.add(conv.id)
            out.append(conv)
    if not out:
        raise InputError(f"no conversations in {', '.join(map(str, paths))}")
    return out


def export_transcript(
    store: Store, user_id: str, conversation_id: str, catalog: Catalog | None = None
) -> dict[str, Any]:
    """One stored conversation as a transcript dict (a JSONL line once ``json.dumps``-ed).

    Each stored turn gives a user turn and the assistant's answer; feedback clicks follow
    the turn they were given on. No assertions are added: edit the file to add them.
    With ``catalog``, recommendations carry their display titles too.
    """
    turns = store.turns(user_id, conversation_id, limit=1_000_000)
    if not turns:
        raise InputError(
            f"no stored turns for user {user_id!r} in conversation {conversation_id!r}",
            "Check the ids with `chat-rec profile` or the UI's session list.",
        )
    order = {t.id: n for n, t in enumerate(turns)}
    stamps = [
        str(r[0])
        for r in store.db.execute(
            "SELECT created_at FROM turns WHERE user_id = ? AND conversation_id = ? ORDER BY id",
            (user_id, conversation_id),
        )
    ]
    feedback: dict[int, list[dict[str, Any]]] = {}
    for row in store.feedback_rows():
        if row["user_id"] != user_id or row["turn_id"] not in order:
            continue
        # after the turn that showed the item, and after every turn that came before the click
        after = order[row["turn_id"]]
        while after + 1 < len(stamps) and stamps[after + 1] < str(row["created_at"]):
            after += 1
        feedback.setdefault(after, []).append(row)
    out: list[dict[str, Any]] = []
    for n, t in enumerate(turns):
        out.append({"role": "user", "text": t.message})
        out.append(
            {
                "role": "assistant",
                "text": t.reply,
                "kind": t.kind if t.kind in ("recommend", "clarify", "chat") else "chat",
                "recommendations": [
                    {"item_id": item_id, "title": _title(catalog, item_id), "reason": reason}
                    for item_id, reason in t.recommendations
                ],
                "prompt_version": f"{t.prompt_name}@{t.prompt_version}" if t.prompt_name else None,
                "llm": t.llm,
            }
        )
        for row in feedback.get(n, []):
            out.append({"role": "feedback", "kind": row["kind"], "item": row["item_id"]})
    conv = Conversation.model_validate(
        {"id": conversation_id, "user_id": user_id, "description": f"exported from the store ({user_id})", "turns": out}
    )
    data: dict[str, Any] = conv.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    for turn in data["turns"]:  # keep the file small: drop empty optional fields
        for key in [k for k, v in turn.items() if v in ([], "", None)]:
            del turn[key]
    return data


def _title(catalog: Catalog | None, item_id: str) -> str | None:
    item = catalog.get(item_id) if catalog is not None else None
    return catalog.display_title(item) if catalog is not None and item is not None else None


def to_jsonl_line(conversation: dict[str, Any]) -> str:
    return json.dumps(conversation, ensure_ascii=False)
