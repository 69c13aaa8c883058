"""``chat-rec serve`` on PostgreSQL, and what happens while the database is unreachable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store
from tests.pg import fresh_database
from tests.serve_process import Server, child_env, free_port, make_token


@pytest.fixture
def database() -> Iterator[str]:
    yield from fresh_database()


def _set_reachable(url: str, reachable: bool) -> None:
    """Refuse (or allow again) new connections to the test database, and end the open ones."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(reachable).lower()}')
        if not reachable:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def test_serve_on_postgresql_survives_the_database_going_away(
    tmp_path: Path, space: ItemSpace, session_home: Path, database: str
) -> None:
    shutil.copytree(session_home / "cache", tmp_path / "cache")
    env = child_env(tmp_path, CHAT_REC_DATABASE_URL=database)
    server = Server(env, free_port())
    try:
        server.start()
        ann = server.client(make_token(env, "ann"))
        conv = ann.post("/v1/users/ann/conversations").json()["conversation_id"]
        path = f"/v1/users/ann/conversations/{conv}/messages"
        first = ann.post(path, json={"message": "a funny heist film"})
        assert first.status_code == 200 and len(first.json()["cards"]) == 3
        assert (
            ann.post(
                "/v1/users/ann/feedback", json={"item_id": first.json()["cards"][0]["item_id"], "kind": "like"}
            ).status_code
            == 201
        )

        _set_reachable(database, False)
        try:
            ready = server.client().get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["store"]["ok"] is False
            assert "reading the store" in ready.json()["checks"]["store"]["detail"]
            turn = ann.post(path, json={"message": "something older"})
            assert turn.status_code in (401, 503), turn.text  # the token check itself needs the database
            assert "store" in turn.json()["error"] and turn.json()["hint"]
        finally:
            _set_reachable(database, True)

        assert server.client().get("/readyz").status_code == 200
        second = ann.post(path, json={"message": "something older"})
        assert second.status_code == 200, second.text
        store = Store(database)
        try:
            turns = store.turns("ann", conv)
            assert [t.message for t in turns] == ["a funny heist film", "something older"]  # nothing half-written
            assert all(len(t.recommendations) == 3 for t in turns)
            assert len(store.feedback_rows()) == 1
        finally:
            store.close()
    finally:
        server.stop()
