"""The model's roles: pick falls back on bad output, read cannot add a hard filter, lint checks role schemas.

Bad pick outputs a real model will not reliably produce (an id outside the candidates,
truncated JSON, an empty answer) come from a real HTTP server on 127.0.0.1 that speaks
the OpenAI streaming protocol and returns exactly that body, built from the request's own
schema; the real model runs through llama.cpp and through a real `llama_cpp.server`.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.llm.openai_compat import OpenAICompatLLM
from chat_rec.prompts.lint import lint_dir
from chat_rec.settings import BUILTIN_PROMPTS
from tests.helpers import cards, rec_ids, run_turn

Answer = Callable[[dict[str, Any]], str]


class _Handler(BaseHTTPRequestHandler):
    answer: Answer = staticmethod(lambda request: "")

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = type(self).answer(request)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [body[start : start + 7] for start in range(0, len(body), 7)] or [
            ""
        ]  # small chunks, as a model streams
        for piece in [*pieces, None]:
            delta = {"role": "assistant", "content": piece} if piece is not None else {}
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "canned",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[Callable[[Answer], str]]:
    """Start a loopback server answering with ``answer(request)``; returns its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Answer) -> str:
        handler = type("Handler", (_Handler,), {"answer": staticmethod(answer)})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _ids(request: dict[str, Any]) -> list[str]:
    schema = request["response_format"]["schema"]
    return list(schema["properties"]["picks"]["items"]["properties"]["id"]["enum"])


def _pick_agent(agent: Agent, url: str, roles: str = "pick") -> Agent:
    agent.settings = agent.settings.model_copy(update={"llm_roles": roles})
    agent.llm = OpenAICompatLLM(url, None, "canned", timeout_s=30)
    return agent


def _picks(*entries: tuple[str, str]) -> str:
    return json.dumps({"picks": [{"id": i, "reason": r} for i, r in entries]})


REASON = "A crime comedy built around a heist, the kind of caper you asked for."


def test_a_pick_outside_the_candidates_is_dropped_and_ranking_fills(agent: Agent, canned: Any) -> None:
    url = canned(lambda req: _picks(("the-thing-that-is-not-here-2099", REASON), (_ids(req)[4], REASON)))
    turn, events = run_turn(_pick_agent(agent, url), "a funny heist film")
    pool = turn.trace["shortlist"]
    assert len(pool) >= 10  # the pick role chooses from the ranked top N
    assert rec_ids(turn)[0] == pool[4]  # the model's valid pick comes first
    assert len(turn.recommendations) == 3 and turn.grounded and set(rec_ids(turn)) <= set(pool)
    pick = turn.trace["roles"]["pick"]
    assert pick["dropped"] == [{"id": "the-thing-that-is-not-here-2099", "why": "not one of the candidates"}]
    assert pick["kept"] == [pool[4]] and "not-here" in pick["raw"]
    filled = turn.trace["filled"]
    assert [f["item_id"] for f in filled] == [i for i in pool if i != pool[4]][:2]
    assert all("1 valid picks of 3" in f["why"] for f in filled)
    assert [c.item_id for c in cards(events)] == rec_ids(turn)


def test_a_duplicate_pick_is_dropped(agent: Agent, canned: Any) -> None:
    url = canned(lambda req: _picks((_ids(req)[2], REASON), (_ids(req)[2], REASON), (_ids(req)[0], REASON)))
    turn, _ = run_turn(_pick_agent(agent, url), "a funny heist film")
    pool = turn.trace["shortlist"]
    assert rec_ids(turn) == [pool[2], pool[0], pool[1]]
    assert turn.trace["roles"]["pick"]["dropped"] == [{"id": pool[2], "why": "a duplicate pick"}]
    assert turn.trace["filled"][0]["item_id"] == pool[1]


def test_truncated_json_keeps_the_closed_picks_and_fills_the_rest(agent: Agent, canned: Any) -> None:
    url = canned(lambda req: _picks((_ids(req)[3], REASON), (_ids(req)[5], REASON))[:-30])
    turn, events = run_turn(_pick_agent(agent, url), "a funny heist film")
    pool = turn.trace["shortlist"]
    assert rec_ids(turn) == [pool[3], pool[0], pool[1]] and turn.grounded
    assert turn.trace["roles"]["pick"]["problem"] == "truncated or malformed JSON"
    assert [f["why"] for f in turn.trace["filled"]] == ["truncated or malformed JSON"] * 2
    assert cards(events)[0].item_id == pool[3]  # shown as soon as its object closed


def test_an_empty_answer_falls_back_to_the_ranking(agent: Agent, canned: Any) -> None:
    turn, _ = run_turn(_pick_agent(agent, canned(lambda req: "")), "a funny heist film")
    pool = turn.trace["shortlist"]
    assert rec_ids(turn) == pool[:3] and turn.grounded
    assert turn.trace["roles"]["pick"]["problem"] == "empty answer"
    assert [f["why"] for f in turn.trace["filled"]] == ["empty answer"] * 3
    assert all(v["shown"] == "template" for v in turn.trace["verdicts"])


def test_a_reason_repeated_across_picks_is_shown_once(agent: Agent, canned: Any) -> None:
    url = canned(lambda req: _picks(*((i, REASON) for i in _ids(req)[:3])))
    turn, _ = run_turn(_pick_agent(agent, url), "a funny heist film")
    verdicts = turn.trace["verdicts"]
    kept = [v for v in verdicts if v["ok"]]
    assert len(kept) <= 1  # the same text is kept for one pick at most
    assert all(v["problem"] for v in verdicts if not v["ok"])
    assert len({r for _, r in turn.recommendations}) == 3 and not any(v["repeat"] for v in verdicts)


def test_a_specific_reason_names_a_fact_of_the_record_the_user_asked_for(agent: Agent) -> None:
    from chat_rec.agent.preferences import Preferences
    from chat_rec.agent.specific import matching_facts, names_fact

    cat = agent.catalog
    job = cat.by_id[agent.space.linker.link("The Italian Job")[0].item_id]
    facts = matching_facts(cat, job, Preferences(include_categories=["Comedy"]), "a funny heist film")
    assert "Comedy" in facts and "heist" in facts
    assert names_fact("Michael Caine leads a heist through Turin's traffic.", facts) == "heist"
    assert names_fact("Michael Caine drives through Turin in a Mini.", facts) is None  # true, but not what was asked
    liked = Preferences(liked_items=[agent.space.linker.link("Ocean's Eleven")[0].item_id])
    assert "heist" in matching_facts(cat, job, liked, "more like that one")  # shared with a title the user named


READING = {
    "categories": ["Horror"],
    "tags": [],
    "people": ["Tom Hanks"],
    "titles": [{"title": "Jaws", "opinion": "disliked"}],
    "year_min": 1990,
    "max_minutes": 90,
    "rule_out": ["Comedy"],
}


def test_read_cannot_add_a_hard_filter_the_user_did_not_state(agent: Agent, canned: Any) -> None:
    url = canned(lambda req: json.dumps(READING))
    turn, _ = run_turn(_pick_agent(agent, url, roles="read"), "a funny heist film")
    prefs = turn.preferences
    assert "year_min" not in prefs and "duration_max" not in prefs
    assert "exclude_categories" not in prefs and "disliked_items" not in prefs and "liked_people" not in prefs
    assert prefs["boost_categories"] == ["Horror"]  # soft
    read = turn.trace["roles"]["read"]
    assert read["prompt"] == "read@v1" and json.loads(read["raw"]) == READING
    assert any("year_min 1990" in note for note in read["ignored"])
    stated, _ = run_turn(agent, "a heist film from after 1990, nothing longer than 90 minutes", conversation="c2")
    assert stated.preferences.get("year_min") in (1990, 1991)  # stated: the rules (or the reading) apply it


def test_a_self_contradicting_reading_does_not_turn_a_frame_into_a_request(agent: Agent, canned: Any) -> None:
    """SmolLM2's reading of "something in Korean" in `eval replay` (crime asked for and
    ruled out at once) made the frame look like a request, so "a comedy" next was not
    kept in Korean."""
    junk = {"categories": ["Crime"] * 3, "tags": ["Crime"] * 3, "people": [], "titles": [], "rule_out": ["Crime"]}
    reader = _pick_agent(agent, canned(lambda req: json.dumps(junk)), roles="read")
    first, _ = run_turn(reader, "something in Korean", conversation="frame")
    assert first.preferences["languages"] == ["Korean"] and "liked_tags" not in first.preferences
    assert any("both asked for and ruled out" in note for note in first.trace["roles"]["read"]["ignored"])
    second, _ = run_turn(reader, "a comedy", conversation="frame")
    assert second.preferences["languages"] == ["Korean"]


def test_prompt_lint_checks_the_role_schemas(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(BUILTIN_PROMPTS, prompts)
    assert lint_dir(prompts) == []
    draft = prompts / "pick" / "v2.yaml"
    text = (prompts / "pick" / "v1.yaml").read_text().replace("version: v1", "version: v2")
    draft.write_text(text.replace("id: {type: string, enum: []}", "item: {type: string}"))
    (problem,) = [p for p in lint_dir(prompts) if p.path == draft]
    assert "picks.items.properties.id.enum" in problem.reason
    draft.write_text(text.replace("type: array", "type: arrayy", 1))
    (problem,) = [p for p in lint_dir(prompts) if p.path == draft]
    assert "not valid JSON Schema" in problem.reason


@pytest.mark.model
def test_pick_with_the_real_model_is_grounded_and_labelled(llm_agent: Agent) -> None:
    llm_agent.settings = llm_agent.settings.model_copy(update={"llm_roles": "pick"})
    turn, _ = run_turn(llm_agent, "a funny heist film")
    pool = turn.trace["shortlist"]
    pick = turn.trace["roles"]["pick"]
    assert pick["prompt"] == "pick@v1" and pick["raw"]
    assert len(turn.recommendations) == 3 and turn.grounded and set(rec_ids(turn)) <= set(pool)
    assert rec_ids(turn)[: len(pick["kept"])] == pick["kept"]
    assert len(turn.trace.get("filled", [])) == 3 - len(pick["kept"])
    assert all(d["why"] for d in pick["dropped"])
    assert len({r for _, r in turn.recommendations}) == 3


def test_eval_compare_shows_role_and_prompt_changes_side_by_side(tmp_path: Path) -> None:
    from chat_rec.eval.compare import compare_runs, write_compare
    from tests.test_eval_compare import _row, _write

    runs = []
    for name, roles, pick in (("a", [], None), ("b", ["pick"], {"version": "v1", "hash": "318839fa6638b38d"})):
        row = _row("c1#1", ["x", "y"], 1.0, 100.0, 0.5)
        row["prompts"] = {"reason": {"version": "v2", "hash": "17f10661d25fbf5f"}, **({"pick": pick} if pick else {})}
        run = _write(tmp_path / name, [row])
        (run / "metrics.json").write_text(json.dumps({"run": {"llm": "llamacpp:x", "roles": roles}}))
        runs.append(run)
    setup = {r["what"]: r for r in compare_runs(*runs, n_boot=100)["setup"]}
    assert setup["roles"] == {"what": "roles", "a": "-", "b": "pick", "changed": "yes"}
    assert setup["prompt pick"]["a"] == "-" and setup["prompt pick"]["b"] == "v1 (318839fa)"
    assert setup["prompt reason"]["changed"] == "" and setup["llm"]["changed"] == ""
    out = write_compare(compare_runs(*runs, n_boot=100), tmp_path / "cmp")
    assert "| roles | - | pick | yes |" in (out / "report.md").read_text()


def test_the_template_detail_never_repeats_a_category_or_names_a_certificate(agent: Agent) -> None:
    from chat_rec.agent.preferences import Preferences
    from chat_rec.agent.specific import reason_parts

    cat = agent.catalog
    repeated = 0
    for item in cat.items:
        categories = {c.lower() for c in cat.categories(item)}
        repeated += any(t.lower() in categories for t in cat.tags(item))
        for detail in reason_parts(cat, item, Preferences(), "something good")["details"]:
            assert detail.lower() not in categories, (item.title, detail)  # not "a horror film with horror"
            assert detail.lower() not in {"pg", "pg-13", "r", "nc-17"}, (item.title, detail)
    assert repeated  # the catalog has tags that repeat a category, so the check above can fail


def test_gemma_takes_no_role_by_default_and_smollm2_explains() -> None:
    from chat_rec.llm.roles import llm_roles
    from chat_rec.settings import Settings

    settings = Settings(llm_roles=None)
    assert llm_roles(settings, "llamacpp:gemma-3-270m-q4_k_m") == frozenset()  # measured: docs/roles.md
    assert llm_roles(settings, "llamacpp:SmolLM2-135M-Instruct.Q4_1") == {"explain"}
    assert llm_roles(settings.model_copy(update={"llm_roles": "explain"}), "llamacpp:gemma-3-270m-q4_k_m") == {
        "explain"
    }
