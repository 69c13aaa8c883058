"""An admin's catalog ingest over the API reaches every worker of a running
``chat-rec serve`` without a restart (real uvicorn, two workers, 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chat_rec.index.space import ItemSpace
from tests.serve_process import Server, child_env, free_port, make_token, stream_turn

ROWS = [
    {
        "sku": "s1",
        "name": "Stellar Voyage",
        "blurb": "A crew crosses the galaxy in a starship.",
        "kind": ["Science Fiction"],
    },
    {
        "sku": "s2",
        "name": "Orbit Kids",
        "blurb": "Children build a rocket and fly to the moon.",
        "kind": ["Science Fiction"],
    },
    {"sku": "s3", "name": "Laugh Factory", "blurb": "Comedians compete in a silly contest.", "kind": ["Comedy"]},
    {"sku": "s4", "name": "Haunted Mill", "blurb": "Ghosts terrify a family in an old mill.", "kind": ["Horror"]},
]
MAPPING = {
    "name": "reload test shop",
    "id": "sku",
    "title": "name",
    "text": "{title}. {kind}. {blurb}",
    "fields": {"blurb": {"type": "string"}, "kind": {"type": "list"}},
    "roles": {"categories": "kind", "description": "blurb"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, space: ItemSpace, session_home: Path) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("reload-home")
    shutil.copytree(session_home / "cache", home / "cache")  # the session's embeddings: no second embedding run
    env = child_env(home, CHAT_REC_SERVE_RATE_PER_MINUTE="6000", CHAT_REC_SERVE_RATE_BURST="1000")  # it polls
    srv = Server(env, free_port(), workers=2).start()
    yield srv
    srv.stop()


def _has(client: httpx.Client, item_id: str) -> bool:
    answer = client.get(f"/v1/items/{item_id}")
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


def test_an_ingest_reaches_every_worker_without_a_restart(server: Server, tmp_path: Path) -> None:
    catalog, mapping = tmp_path / "shop.jsonl", tmp_path / "shop.yaml"
    catalog.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    root = server.client(make_token(server.env, "root", admin=True))
    ann = server.client(make_token(server.env, "ann"))
    assert not _has(ann, "s1") and _has(ann, "arrival-2016")  # the built-in catalog before

    done = root.post("/v1/admin/catalog/ingest", json={"path": str(catalog), "mapping": str(mapping)})
    assert done.status_code == 200, done.text
    assert "now the active catalog" in " ".join(done.json()["result"]), done.json()

    # requests land on either worker: every answer must come from the new catalog, soon
    deadline, fresh_in_a_row = time.monotonic() + 120, 0
    while fresh_in_a_row < 8:
        assert time.monotonic() < deadline, "the workers still serve the old catalog after 120 s"
        fresh_in_a_row = fresh_in_a_row + 1 if _has(ann, "s1") and not _has(ann, "arrival-2016") else 0
        time.sleep(0.2)
    conv = ann.post("/v1/users/ann/conversations").json()["conversation_id"]
    events = stream_turn(ann, "ann", conv, "a science fiction film about space")
    picks = [d["item_id"] for n, d in events if n == "card"]
    assert picks and set(picks) <= {r["sku"] for r in ROWS}, picks
