"""``chat-rec serve`` as a real uvicorn process on 127.0.0.1, with template answers.

One server for the module (loading the catalog and index takes ~20 s); each test makes
its own users and tokens so tests do not see each other's data.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chat_rec.index.space import ItemSpace
from chat_rec.prompts.lock import next_version, read_lock
from tests.serve_process import ROOT, Server, child_env, cli, free_port, make_token, stream_turn

MAX_BODY = 4096


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, space: ItemSpace, session_home: Path) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("serve-home")
    shutil.copytree(session_home / "cache", home / "cache")  # the session's embeddings: no second embedding run
    prompts = home / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)  # the admin release test writes the lock file
    env = child_env(
        home,
        CHAT_REC_PROMPTS_DIR=str(prompts),
        CHAT_REC_SERVE_MAX_BODY_BYTES=str(MAX_BODY),
        CHAT_REC_SERVE_RATE_PER_MINUTE="60",
        CHAT_REC_SERVE_RATE_BURST="40",
    )
    srv = Server(env, free_port()).start()
    yield srv
    srv.stop()


def _user(server: Server, name: str, admin: bool = False) -> httpx.Client:
    return server.client(make_token(server.env, name, admin=admin))


def _conversation(client: httpx.Client, user: str) -> str:
    answer = client.post(f"/v1/users/{user}/conversations")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["conversation_id"])


def test_a_whole_conversation_over_sse(server: Server) -> None:
    ann = _user(server, "ann")
    conv = _conversation(ann, "ann")
    events = stream_turn(ann, "ann", conv, "a funny heist film")
    names = [n for n, _ in events]
    assert names[0] == "status" and names[-1] == "done"
    cards = [d for n, d in events if n == "card"]
    assert len(cards) == 3
    for card in cards:
        assert card["item_id"] and card["title"] and card["reason"]
        item = ann.get(f"/v1/items/{card['item_id']}")  # every pick is a catalog item
        assert item.status_code == 200 and item.json()["title"] == card["title"]
    text = "".join(d["text"] for n, d in events if n == "text")
    assert all(c["title"] in text for c in cards)
    done = events[-1][1]
    assert done["grounded"] is True and done["kind"] == "recommend"
    assert done["prompt_version"].startswith("recommend@") and done["ranking_version"]
    assert done["written_by"] == "template" and done["fallback_reason"] == "no LLM configured"

    # a refinement in the same conversation, as one JSON body
    second = ann.post(f"/v1/users/ann/conversations/{conv}/messages", json={"message": "something older"})
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["done"]["turn_id"] > done["turn_id"]
    assert not {c["item_id"] for c in body["cards"]} & {c["item_id"] for c in cards}  # shown items are not repeated

    history = ann.get(f"/v1/users/ann/conversations/{conv}").json()
    assert [t["turn_id"] for t in history["turns"]] == [done["turn_id"], body["done"]["turn_id"]]
    assert history["turns"][0]["items"] == [c["item_id"] for c in cards]


def test_feedback_changes_the_next_turn(server: Server) -> None:
    bea, cid = _user(server, "bea"), _user(server, "cid")
    ask = {"message": "a space adventure"}
    first = bea.post(f"/v1/users/bea/conversations/{_conversation(bea, 'bea')}/messages", json=ask).json()
    picks = [c["item_id"] for c in first["cards"]]
    answer = bea.post("/v1/users/bea/feedback", json={"item_id": picks[0], "kind": "seen"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "seen"
    assert bea.post("/v1/users/bea/feedback", json={"item_id": picks[1], "kind": "dislike"}).status_code == 201
    profile = bea.get("/v1/users/bea/profile").json()
    assert profile["feedback"]["seen"] == [picks[0]] and profile["feedback"]["dislike"] == [picks[1]]

    again = bea.post(f"/v1/users/bea/conversations/{_conversation(bea, 'bea')}/messages", json=ask).json()
    assert not {picks[0], picks[1]} & {c["item_id"] for c in again["cards"]}
    # someone without that feedback still gets them: the feedback, not the conversation, made the change
    other = cid.post(f"/v1/users/cid/conversations/{_conversation(cid, 'cid')}/messages", json=ask).json()
    assert {picks[0], picks[1]} <= {c["item_id"] for c in other["cards"]}

    unknown = bea.post("/v1/users/bea/feedback", json={"item_id": "no-such-item", "kind": "like"})
    assert unknown.status_code == 404 and "no-such-item" in unknown.json()["error"]


def test_a_token_reaches_only_its_own_user(server: Server) -> None:
    dan, eve = _user(server, "dan"), _user(server, "eve")
    dan_conv = _conversation(dan, "dan")
    dan_turn = dan.post(f"/v1/users/dan/conversations/{dan_conv}/messages", json={"message": "a scary film"}).json()
    item = dan_turn["cards"][0]["item_id"]
    assert dan.post("/v1/users/dan/feedback", json={"item_id": item, "kind": "like"}).status_code == 201

    attempts = [
        ("POST", "/v1/users/dan/conversations", None),
        ("GET", f"/v1/users/dan/conversations/{dan_conv}", None),
        ("POST", f"/v1/users/dan/conversations/{dan_conv}/messages", {"message": "more"}),
        ("POST", "/v1/users/dan/feedback", {"item_id": item, "kind": "dislike"}),
        ("GET", "/v1/users/dan/profile", None),
        ("DELETE", "/v1/users/dan", None),
        # dan's conversation id under eve's own user is not dan's conversation either
        ("GET", f"/v1/users/eve/conversations/{dan_conv}", None),
        ("POST", f"/v1/users/eve/conversations/{dan_conv}/messages", {"message": "more"}),
        ("POST", "/v1/users/eve/feedback", {"item_id": item, "kind": "like", "turn_id": dan_turn["done"]["turn_id"]}),
    ]
    for method, path, body in attempts:
        answer = eve.request(method, path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert set(answer.json()) == {"error", "hint"}
        assert item not in answer.text and "scary" not in answer.text
    # nothing of dan's changed
    profile = dan.get("/v1/users/dan/profile").json()
    assert profile["feedback"]["like"] == [item] and profile["feedback"]["dislike"] == []
    turns = dan.get(f"/v1/users/dan/conversations/{dan_conv}").json()["turns"]
    assert [t["message"] for t in turns] == ["a scary film"]
    # a user that does not exist looks the same as one that does
    assert eve.get("/v1/users/nobody/profile").status_code == 404


def test_admin_routes_need_an_admin_token(server: Server) -> None:
    fay, root = _user(server, "fay"), _user(server, "root", admin=True)
    _conversation(fay, "fay")
    prompts = Path(server.env["CHAT_REC_PROMPTS_DIR"])
    version = next_version(prompts, "intro")
    source = sorted((prompts / "intro").glob("v*.yaml"))[-1].read_text()
    (prompts / "intro" / f"{version}.yaml").write_text(
        source.replace(f"version: {source.split('version: ')[1].split()[0]}", f"version: {version}")
    )
    release = {"ref": f"intro@{version}"}
    ingest = {"path": "/nonexistent.csv", "mapping": "/nonexistent.yaml"}
    for method, path, body in [
        ("GET", "/v1/admin/users", None),
        ("POST", "/v1/admin/prompts/release", release),
        ("POST", "/v1/admin/catalog/ingest", ingest),
    ]:
        answer = fay.request(method, path, json=body)
        assert answer.status_code == 403, answer.text
        assert "admin" in answer.json()["error"]
    assert f"intro@{version}" not in read_lock(prompts)

    assert "fay" in root.get("/v1/admin/users").json()["users"]
    assert root.get("/v1/users/fay/profile").status_code == 200  # admins reach every user
    released = root.post("/v1/admin/prompts/release", json=release)
    assert released.status_code == 200, released.text
    assert f"intro@{version}" in read_lock(prompts)
    missing = root.post("/v1/admin/catalog/ingest", json=ingest)
    assert missing.status_code == 422 and "/nonexistent.csv" in missing.json()["error"]


def test_missing_wrong_and_revoked_tokens_get_401(server: Server) -> None:
    for client in (server.client(), server.client("crk_not-a-real-token")):
        answer = client.get("/v1/items/anything")
        assert answer.status_code == 401
        assert "token" in answer.json()["error"] and "chat-rec tokens create" in answer.json()["hint"]
    token = make_token(server.env, "gus")
    gus = server.client(token)
    assert gus.post("/v1/users/gus/conversations").status_code == 201
    listed = cli(server.env, "tokens", "list").stdout
    token_id = next(line.split("\t")[0] for line in listed.splitlines() if "\tgus\t" in line)
    assert token not in listed  # only the hash is kept
    assert cli(server.env, "tokens", "revoke", token_id).returncode == 0
    answer = gus.post("/v1/users/gus/conversations")
    assert answer.status_code == 401 and "revoked" in answer.json()["error"]


def test_bad_bodies_get_422_and_oversized_ones_413(server: Server) -> None:
    hal = _user(server, "hal")
    conv = _conversation(hal, "hal")
    path = f"/v1/users/hal/conversations/{conv}/messages"
    headers = {"Content-Type": "application/json"}
    cases = {
        b'{"message": "a comedy"': "not valid JSON",
        b"{}": "message: Field required",
        b'{"mesage": "a comedy"}': "mesage: Extra inputs are not permitted",
        b'{"message": ""}': "message: String should have at least 1 character",
    }
    for raw, expected in cases.items():
        answer = hal.post(path, content=raw, headers=headers)
        assert answer.status_code == 422, raw
        assert expected in answer.json()["error"], answer.text
    blank = hal.post(path, json={"message": "   \u0007 "})  # empty once cleaned: the agent's own check
    assert blank.status_code == 422 and "empty" in blank.json()["error"]
    huge = hal.post(path, json={"message": "x" * (MAX_BODY + 10)})
    assert huge.status_code == 413 and str(MAX_BODY) in huge.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"message": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    streamed = hal.post(path, content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert hal.get(f"/v1/users/hal/conversations/{conv}").json()["turns"] == []  # no turn was stored


def test_rate_limit_answers_429_with_retry_after(server: Server) -> None:
    ivy = _user(server, "ivy")
    codes = [ivy.get("/v1/items/the-italian-job-1969") for _ in range(45)]
    limited = [a for a in codes if a.status_code == 429]
    assert codes[0].status_code == 200 and limited
    assert int(limited[0].headers["Retry-After"]) >= 1 and "too many requests" in limited[0].json()["error"]
    other = _user(server, "jon")  # the limit is per token
    assert other.get("/v1/items/the-italian-job-1969").status_code == 200
    time.sleep(int(limited[0].headers["Retry-After"]))
    assert ivy.get("/v1/items/the-italian-job-1969").status_code == 200


def test_health_metrics_and_openapi(server: Server) -> None:
    anon = server.client()
    assert anon.get("/healthz").json() == {"status": "ok"}
    ready = anon.get("/readyz").json()
    assert ready["ready"] and set(ready["checks"]) == {"catalog", "index", "store", "llm"}
    spec = anon.get("/openapi.json").json()
    message_route = spec["paths"]["/v1/users/{user_id}/conversations/{conversation_id}/messages"]["post"]
    assert "text/event-stream" in message_route["responses"]["200"]["content"]
    assert "401" in message_route["responses"] and "404" in message_route["responses"]
    kim = _user(server, "kim")
    kim.post(f"/v1/users/kim/conversations/{_conversation(kim, 'kim')}/messages", json={"message": "a war film"})
    text = anon.get("/metrics").text
    assert 'chat_rec_turns_total{kind="recommend",written_by="template"}' in text
    assert 'chat_rec_stage_seconds_count{stage="retrieve"}' in text
    assert 'chat_rec_errors_total{kind="not_found"}' in text or 'chat_rec_errors_total{kind="unauthorized"}' in text


def test_readyz_says_503_when_the_store_is_unreachable(server: Server) -> None:
    """Last in the module: it moves the database away and back."""
    store = Path(server.env["CHAT_REC_HOME"]) / "chat_rec.sqlite3"
    moved = store.with_name("moved.sqlite3")
    store.rename(moved)
    try:
        answer = server.client().get("/readyz")
        assert answer.status_code == 503
        checks = answer.json()["checks"]
        assert checks["store"]["ok"] is False and "reading the store" in checks["store"]["detail"]
        assert checks["catalog"]["ok"] and checks["index"]["ok"]
    finally:
        moved.rename(store)
    assert server.client().get("/readyz").status_code == 200
