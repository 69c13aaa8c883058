"""Request and response bodies of the API, with the examples the OpenAPI page shows.

Request models forbid unknown fields, so a typo ("mesage") is a 422 naming the field
instead of a silently ignored one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    message: str = Field(min_length=1, max_length=20_000, examples=["a funny heist film, nothing too long"])
    prompt_versions: dict[str, str] = Field(
        default_factory=dict, description="Pin prompt versions for this turn.", examples=[{"recommend": "v1"}]
    )
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="Hold for this turn only: year_min, year_max, duration_max, exclude_categories.",
        examples=[{"year_min": 1990, "duration_max": 120}],
    )


class FeedbackIn(Strict):
    item_id: str = Field(min_length=1, examples=["tt0071853"])
    kind: Literal["like", "dislike", "seen"] = Field(examples=["like"])
    turn_id: int | None = Field(default=None, description="The turn that showed the item (default: the latest).")


class ReleaseIn(Strict):
    ref: str = Field(pattern=r"^[\w-]+@v\d+$", examples=["recommend@v3"])


class IngestIn(Strict):
    path: str = Field(description="Catalog file on the server: .csv, .tsv, .jsonl or .parquet.")
    mapping: str = Field(description="Mapping YAML on the server (see catalog/mappings/).")
    strict: bool = False


class ConversationOut(BaseModel):
    user_id: str = Field(examples=["alice"])
    conversation_id: str = Field(examples=["c-3f9a1c2b7d4e5f60"])


class CardOut(BaseModel):
    position: int = Field(examples=[1])
    item_id: str = Field(examples=["tt0071853"])
    title: str = Field(examples=["Monty Python and the Holy Grail (1975)"])
    reason: str = Field(examples=["A silly, quotable comedy, as you asked."])


class DoneOut(BaseModel):
    turn_id: int = Field(examples=[42])
    conversation_id: str
    kind: str = Field(examples=["recommend"], description="recommend | clarify")
    prompt_version: str = Field(examples=["recommend@v3"])
    prompts: dict[str, dict[str, str]] = Field(default_factory=dict, description="Every prompt version the turn used.")
    ranking_version: str | None = Field(examples=["v5"])
    grounded: bool = Field(description="Every pick is a catalog item from the turn's candidates.")
    llm: str | None = Field(examples=["openai:smollm2"])
    written_by: Literal["model", "template"] = Field(
        description="'template' when the reasons come from templates (no model, or the model failed)."
    )
    fallback_reason: str | None = None


class TurnOut(BaseModel):
    reply: str = Field(examples=["Here are three picks for a funny heist film:\n1. ..."])
    cards: list[CardOut]
    options: list[str] = Field(default_factory=list, description="Quick replies when the assistant asks back.")
    done: DoneOut


class FeedbackOut(BaseModel):
    user_id: str
    item_id: str
    kind: str
    turn_id: int | None


class ProfileOut(BaseModel):
    user_id: str
    preferences: dict[str, list[str]] = Field(examples=[{"like_item": ["tt0071853"], "like_attr": ["Comedy"]}])
    feedback: dict[str, list[str]] = Field(examples=[{"like": ["tt0071853"], "dislike": [], "seen": []}])
    conversations: list[str]


class ItemOut(BaseModel):
    item_id: str = Field(examples=["tt0071853"])
    title: str
    details: dict[str, Any]


class SearchHit(BaseModel):
    item_id: str
    title: str
    score: float


class ErrorOut(BaseModel):
    error: str = Field(examples=["missing API token"])
    hint: str = Field(examples=["Send 'Authorization: Bearer <token>'."])


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, unknown or revoked token"},
    404: {"model": ErrorOut, "description": "Not found (also: another user's data)"},
    422: {"model": ErrorOut, "description": "Bad JSON or missing fields"},
    429: {"model": ErrorOut, "description": "Rate limit; see Retry-After"},
}
