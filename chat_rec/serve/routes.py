"""User routes: conversations, turns, feedback, profile, and catalog look-ups.

Every ``/v1/users/{user_id}/...`` route goes through :func:`chat_rec.serve.auth.own_user`:
a token acts for its own user only (admins for anyone); anything else is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from chat_rec.agent.compose import describe
from chat_rec.memory.store import FEEDBACK_KINDS
from chat_rec.memory.tokens import ApiToken
from chat_rec.serve.auth import caller, own_user, service
from chat_rec.serve.errors import not_found
from chat_rec.serve.schemas import (
    ERRORS,
    ConversationOut,
    FeedbackIn,
    FeedbackOut,
    ItemOut,
    MessageIn,
    ProfileOut,
    SearchHit,
    TurnOut,
)
from chat_rec.serve.service import Service
from chat_rec.serve.turns import as_json, as_sse, first_and_rest, turn_events

router = APIRouter(prefix="/v1", responses=ERRORS)

SSE_DOC = """Streams Server-Sent Events when the request says `Accept: text/event-stream`:
`status` ({"stage"}), `text` ({"text"}: reply deltas), `card` (one per pick: position, item_id,
title, reason), `clarify` (question and quick replies), then `done` (stored turn id, prompt and
ranking versions, `grounded`, `written_by`). Otherwise answers one JSON body (TurnOut)."""


@router.post("/users/{user_id}/conversations", response_model=ConversationOut, status_code=201, tags=["chat"])
def start_conversation(user_id: str = Depends(own_user), svc: Service = Depends(service)) -> dict[str, str]:
    """Start a conversation; its turns refine each other."""
    return {"user_id": user_id, "conversation_id": svc.store.start_conversation(user_id)}


@router.get("/users/{user_id}/conversations/{conversation_id}", tags=["chat"])
def conversation(
    conversation_id: str, user_id: str = Depends(own_user), svc: Service = Depends(service)
) -> dict[str, Any]:
    """The conversation's turns, oldest first (up to 100)."""
    if not svc.store.has_conversation(user_id, conversation_id):
        raise not_found(f"conversation {conversation_id!r}")
    turns = svc.store.turns(user_id, conversation_id, limit=100)
    return {
        "conversation_id": conversation_id,
        "turns": [
            {
                "turn_id": t.id,
                "message": t.message,
                "reply": t.reply,
                "kind": t.kind,
                "items": [i for i, _ in t.recommendations],
            }
            for t in turns
        ],
    }


@router.post(
    "/users/{user_id}/conversations/{conversation_id}/messages",
    response_model=TurnOut,
    tags=["chat"],
    description=SSE_DOC,
    responses={200: {"content": {"text/event-stream": {"example": 'event: card\ndata: {"position": 1, ...}\n\n'}}}},
)
async def send_message(
    conversation_id: str,
    body: MessageIn,
    request: Request,
    user_id: str = Depends(own_user),
    svc: Service = Depends(service),
) -> Any:
    if not svc.store.has_conversation(user_id, conversation_id):
        raise not_found(f"conversation {conversation_id!r}")
    events = turn_events(svc, user_id, conversation_id, body.message, body.prompt_versions, body.filters)
    first, rest = await first_and_rest(events)
    if "text/event-stream" in request.headers.get("accept", ""):
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(as_sse(first, rest), media_type="text/event-stream", headers=headers)
    return JSONResponse(await as_json(first, rest))


@router.post("/users/{user_id}/feedback", response_model=FeedbackOut, status_code=201, tags=["feedback"])
def feedback(body: FeedbackIn, user_id: str = Depends(own_user), svc: Service = Depends(service)) -> dict[str, Any]:
    """Like, dislike or mark seen an item. Every process sees it from its next turn on."""
    agent = svc.require_agent()
    if body.item_id not in agent.catalog:
        raise not_found(f"item {body.item_id!r}")
    if body.turn_id is not None and not any(t.id == body.turn_id for t in svc.store.turns(user_id, limit=10_000)):
        raise not_found(f"turn {body.turn_id}")
    svc.store.add_feedback(user_id, body.item_id, body.kind, body.turn_id)
    return {"user_id": user_id, "item_id": body.item_id, "kind": body.kind, "turn_id": body.turn_id}


@router.get("/users/{user_id}/profile", response_model=ProfileOut, tags=["profile"])
def profile(user_id: str = Depends(own_user), svc: Service = Depends(service)) -> dict[str, Any]:
    """Stated preferences and feedback, as the agent uses them."""
    if user_id not in svc.store.users():
        raise not_found(f"user {user_id!r}")
    fb = svc.store.feedback(user_id)
    turns = svc.store.turns(user_id, limit=10_000)
    return {
        "user_id": user_id,
        "preferences": svc.store.preferences(user_id),
        "feedback": {k: sorted(fb[k]) for k in FEEDBACK_KINDS},
        "conversations": list(dict.fromkeys(t.conversation_id for t in turns)),
    }


@router.delete("/users/{user_id}", status_code=204, tags=["profile"])
def forget(user_id: str = Depends(own_user), svc: Service = Depends(service)) -> None:
    """Delete every turn, rating and preference stored about the user (tokens stay valid)."""
    if user_id not in svc.store.users():
        raise not_found(f"user {user_id!r}")
    svc.store.forget(user_id)


@router.get("/items/{item_id}", response_model=ItemOut, tags=["catalog"])
def item(item_id: str, _: ApiToken = Depends(caller), svc: Service = Depends(service)) -> dict[str, Any]:
    catalog = svc.require_agent().catalog
    found = catalog.get(item_id)
    if found is None:
        raise not_found(f"item {item_id!r}")
    return {"item_id": found.id, "title": catalog.display_title(found), "details": describe(catalog, found)}


@router.get("/items", response_model=list[SearchHit], tags=["catalog"])
def search(
    q: str = Query(min_length=1, max_length=500, examples=["space adventure"]),
    k: int = Query(10, ge=1, le=100),
    _: ApiToken = Depends(caller),
    svc: Service = Depends(service),
) -> list[dict[str, Any]]:
    """Dense search over the catalog index (no ranking, no personalisation)."""
    space = svc.require_agent().space
    hits = space.index.query(space.embed_query(q), k)
    by_id = space.catalog.by_id
    return [
        {"item_id": i, "title": space.catalog.display_title(by_id[i]), "score": round(s, 4)}
        for i, s in hits
        if i in by_id
    ]
