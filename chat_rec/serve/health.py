"""``/healthz`` (the process answers), ``/readyz`` (it can serve turns) and ``/metrics``.

Readiness checks the catalog is loaded, the index answers (a Chroma server when
``CHAT_REC_CHROMA_URL`` is set), the store can be opened afresh, and the LLM is
reachable (an OpenAI-compatible server's ``/models``); any failure is a 503 naming it.
A turn still answers (from templates) when only the LLM is down; readiness reports it
so a load balancer or an operator can see it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from chat_rec.errors import ChatRecError
from chat_rec.serve import metrics
from chat_rec.serve.auth import service
from chat_rec.serve.service import Service

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (says nothing about its dependencies)."""
    return {"status": "ok"}


def _llm_check(svc: Service) -> tuple[bool, str]:
    settings = svc.settings
    if settings.llm == "none":
        return True, "none configured: template answers"
    if settings.llm == "openai":
        import httpx

        url = f"{(settings.openai_base_url or '').rstrip('/')}/models"
        try:
            answer = httpx.get(url, timeout=2.0, headers={"Authorization": f"Bearer {settings.openai_api_key or 'x'}"})
        except httpx.HTTPError as exc:
            return False, f"{url} unreachable: {type(exc).__name__}"
        return answer.status_code < 500, f"{url} answered {answer.status_code}"
    agent = svc.agent
    return agent is not None and agent.llm is not None, "llama.cpp in process"


@router.get("/readyz", responses={503: {"description": "Something the turns need is not ready; see `checks`"}})
def readyz(svc: Service = Depends(service)) -> JSONResponse:
    checks: dict[str, dict[str, Any]] = {}
    agent = svc.agent
    if agent is None:
        detail = svc.load_error or "still loading"
        checks["catalog"] = {"ok": False, "detail": detail}
        checks["index"] = {"ok": False, "detail": detail}
    else:
        checks["catalog"] = {"ok": len(agent.catalog) > 0, "detail": f"{len(agent.catalog)} items"}
        try:
            count = agent.space.index.count()
            checks["index"] = {"ok": count > 0, "detail": f"{count} vectors"}
        except Exception as exc:  # a Chroma server that went away raises its own types
            checks["index"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    try:
        svc.store.ping()
        checks["store"] = {"ok": True, "detail": "reachable"}
    except ChatRecError as exc:
        checks["store"] = {"ok": False, "detail": str(exc)}
    ok, detail = _llm_check(svc)
    checks["llm"] = {"ok": ok, "detail": detail}
    ready = all(c["ok"] for c in checks.values())
    if not ready:
        metrics.ERRORS.labels("not_ready").inc()
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=True)
def prometheus() -> Response:
    """Prometheus exposition: turns, errors by kind, stage latencies, template fallbacks."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
