"""Admin routes: catalog ingest, prompt release, and the list of users.

An admin token also reaches every ``/v1/users/{user_id}/...`` route. Ingest runs the same
function as ``chat-rec catalog ingest``; each worker loads the new catalog in the
background on its next request and serves the old one until it is ready.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends

from chat_rec.memory.tokens import ApiToken
from chat_rec.serve.auth import admin, service
from chat_rec.serve.errors import ApiError
from chat_rec.serve.schemas import ERRORS, ErrorOut, IngestIn, ReleaseIn
from chat_rec.serve.service import Service

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses={**ERRORS, 403: {"model": ErrorOut, "description": "Not an admin token"}},
)


@router.get("/users")
def users(_: ApiToken = Depends(admin), svc: Service = Depends(service)) -> dict[str, list[str]]:
    return {"users": svc.store.users()}


@router.post("/prompts/release")
def release_prompt(body: ReleaseIn, _: ApiToken = Depends(admin), svc: Service = Depends(service)) -> dict[str, str]:
    """Lint a prompt version and add it to the lock file: it becomes the default and is frozen."""
    from chat_rec.prompts.lock import release

    return {"result": release(svc.settings.prompts_dir, body.ref)}


@router.post("/catalog/ingest")
def ingest(body: IngestIn, _: ApiToken = Depends(admin), svc: Service = Depends(service)) -> dict[str, Any]:
    """Validate, index and activate a catalog file that is on the server (as `chat-rec catalog ingest`)."""
    from chat_rec.cli.catalog import ingest as ingest_command

    for label, value in (("catalog file", body.path), ("mapping file", body.mapping)):
        if not Path(value).is_file():
            raise ApiError(422, f"{label} {value} does not exist on the server", "Pass a path the server can read.")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ingest_command(  # every argument given: a typer default is an OptionInfo, not a value
            Path(body.path), Path(body.mapping), strict=body.strict, report=None, progress=False, vectors=None
        )
    svc.reload_if_catalog_changed()
    return {
        "result": out.getvalue().strip().splitlines(),
        "note": "each worker switches to the new catalog within seconds of its next request (GET /v1/items shows it)",
    }
