"""The JSON API and the OpenAI-compatible route.

Schema and error tests run the FastAPI app in-process over a fake engine (no
model). The ``slow`` ones start ``python app.py``: answers from the real
engine, OpenAI's own Python client (streaming included), and the server's
memory across a 300 MB request.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from _web_server import FakeEngine, found_answer
from taixin_qa.errors import TaixinError
from taixin_qa.web.api import add_api
from taixin_qa.web.asgi import RequestGuard


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def client(engine) -> TestClient:
    app = FastAPI()
    add_api(app, engine)
    return TestClient(RequestGuard(app))


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"message", "type"} <= set(body["error"]), body
    return body["error"]


def test_ask_returns_answer_to_dict(client, engine):
    r = client.post("/api/ask", json={"question": "阳曲县的发展目标是什么？", "k": 3, "speaker": "裴耀军"})
    assert r.status_code == 200
    assert r.json() == found_answer().to_dict()
    assert engine.calls[0] == dict(
        question="阳曲县的发展目标是什么？", history=[], k=3, speaker="裴耀军", district=None
    )


def test_ask_takes_history_as_strings_or_role_content_turns(client, engine):
    history = [
        "万柏林区第一年计划完成多少投资？",
        {"role": "assistant", "content": "300亿元（杨俊民）"},
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": [{"type": "text", "text": "q"}]},
    ]
    assert client.post("/api/ask", json={"question": "那古交呢？", "history": history}).status_code == 200
    assert engine.calls[0]["history"] == [
        "万柏林区第一年计划完成多少投资？",
        {"role": "assistant", "content": "300亿元（杨俊民）"},
        {"role": "user", "content": "q"},
    ]


def test_search_returns_passages(client):
    r = client.post("/api/search", json={"question": "阳曲", "k": 20})
    assert r.status_code == 200
    body = r.json()
    assert body["found"] is True and body["passages"][0]["id"] == "pei-yaojun-p06" and body["question"] == "阳曲"


@pytest.mark.parametrize(
    "body, field, zh, en",
    [
        ({}, "question", "缺少字段 question", None),
        ({"question": "阳曲？", "k": "abc"}, "k", '字段 k 应为整数，收到 "abc"', None),
        ({"question": "What about Gujiao?", "k": "abc"}, "k", None, "Field 'k' must be an integer; got \"abc\""),
        ({"question": 5}, "question", "字段 question 应为字符串", None),
        ({"question": "阳曲？", "k": 0}, "k", "字段 k 不能小于 1", None),
        ({"question": "Yangqu?", "k": 99}, "k", None, "Field 'k' must be at most 10"),
        ({"question": "阳曲？", "kk": 3}, "kk", "不认识的字段 kk", None),
        ({"question": "阳曲？", "history": "x"}, "history", "字段 history 应为列表", None),
        ({"question": "阳" * 20_001}, "question", "字段 question 太长", None),
    ],
)
def test_schema_errors_are_422_json_in_the_language_of_the_question(client, body, field, zh, en):
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    error = error_of(r)
    assert error["param"] == field and (zh or en) in error["message"], error


def test_malformed_and_oversized_bodies(client):
    r = client.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "JSON" in error_of(r)["message"]
    r = client.post("/api/ask", content=b"question=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and error_of(r)["type"] == "unsupported_media_type"
    r = client.post("/api/ask", content=b" " * (3 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and error_of(r)["type"] == "request_too_large"
    r = client.post("/api/ask", json={"question": "[" * 100 + "]" * 100, "x": [[[[]]]]})
    assert r.status_code == 422  # deep-looking text inside a string is only text: the unknown field is the error


def test_engine_refusal_is_422_and_a_crash_is_500_json(engine):
    for error, status in ((TaixinError("Unknown speaker 'x'."), 422), (RuntimeError("internal"), 500)):
        app = FastAPI()
        add_api(app, FakeEngine(error=error))
        r = TestClient(app, raise_server_exceptions=False).post("/api/ask", json={"question": "阳曲？"})
        assert r.status_code == status and "internal" not in r.text
        assert error_of(r)["message"]


def test_openapi_lists_only_the_intended_endpoints(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {"/api/ask", "/api/search", "/v1/chat/completions", "/v1/models"}
    ask = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert set(ask) == {"question", "history", "k", "speaker", "district"}
    assert {"text", "short", "missing", "cited", "understood_as", "sentences", "passages"} <= set(
        schema["components"]["schemas"]["AnswerOut"]["properties"]
    )


def test_chat_completion_uses_the_messages_as_the_conversation(client, engine):
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "万柏林区第一年计划完成多少投资？"},
        {"role": "assistant", "content": "300亿元"},
        {"role": "user", "content": "那古交呢？"},
    ]
    r = client.post("/v1/chat/completions", json={"model": "taixin-qa", "messages": messages, "temperature": 0})
    assert r.status_code == 200
    body = r.json()
    assert engine.calls[0]["question"] == "那古交呢？"
    assert engine.calls[0]["history"] == [
        {"role": "user", "content": "万柏林区第一年计划完成多少投资？"},
        {"role": "assistant", "content": "300亿元"},
    ]
    content = body["choices"][0]["message"]["content"]
    assert "[1]" in content and "裴耀军专访 第6段" in content and body["choices"][0]["finish_reason"] == "stop"
    assert body["citations"][0]["passage_id"] == "pei-yaojun-p06" and body["answer"]["found"] is True


def test_chat_completion_errors(client):
    r = client.post("/v1/chat/completions", json={"messages": []})
    assert r.status_code == 422 and error_of(r)["param"] == "messages"
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert r.status_code == 422 and "last message" in error_of(r)["message"]
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "wizard", "content": "阳曲？"}]})
    assert r.status_code == 422 and error_of(r)["param"] == "messages.0.role"


def test_chat_completion_streams_server_sent_events(client):
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": "阳曲？"}], "stream": True}
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[len("data: ") :]) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "（裴耀军，阳曲县委书记）" in text and chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["source"] == 1


# -- the real server -------------------------------------------------------------------------


@pytest.mark.slow
def test_api_ask_answers_with_the_speaker(app_server):
    import httpx

    r = httpx.post(app_server.url + "api/ask", json={"question": "阳曲县的发展目标是什么？"}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["found"] and body["sentences"][0]["speaker"] == "裴耀军" and body["text"]
    r = httpx.post(
        app_server.url + "api/ask",
        json={"question": "那古交呢？", "history": ["万柏林区第一年计划完成多少投资？"]},
        timeout=60,
    )
    assert r.json()["sentences"][0]["speaker"] == "李卫平"


@pytest.mark.slow
def test_markup_only_questions_get_no_answer(app_server):
    import httpx

    for question in ('<a href="javascript:alert(1)">click</a>', "$$\\href{javascript:alert(1)}{x}$$"):
        body = httpx.post(app_server.url + "api/ask", json={"question": question}, timeout=60).json()
        assert body["found"] is False and body["passages"] == [], question


@pytest.mark.slow
def test_openai_client_round_trip_and_streaming(app_server):
    from openai import OpenAI

    client = OpenAI(base_url=app_server.url + "v1", api_key="not-needed", max_retries=0, timeout=60)
    assert [m.id for m in client.models.list()] == ["taixin-qa"]
    reply = client.chat.completions.create(
        model="taixin-qa", messages=[{"role": "user", "content": "万柏林区第一年计划完成多少投资？"}]
    )
    content = reply.choices[0].message.content or ""
    assert "杨俊民" in content and "[1]" in content
    assert (reply.model_extra or {})["citations"][0]["speaker"] == "杨俊民"
    stream = client.chat.completions.create(
        model="taixin-qa",
        stream=True,
        messages=[
            {"role": "user", "content": "万柏林区第一年计划完成多少投资？"},
            {"role": "assistant", "content": content},
            {"role": "user", "content": "那古交呢？"},
        ],
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert len(pieces) > 2 and "李卫平" in "".join(pieces)


@pytest.mark.slow
def test_a_300_mb_post_does_not_grow_the_server(app_server):
    """Issue 15: the server read any POST whole (504 MB -> 1.9 GB RSS). Now it stops at the limit."""
    import psutil

    proc = psutil.Process(app_server.proc.pid)
    before = proc.memory_info().rss
    sent = 0
    for path, declare in (("/api/ask", True), ("/api/ask", False), ("/nowhere", True)):
        with socket.create_connection(("127.0.0.1", app_server.port), timeout=30) as s:
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            head += "Content-Length: 314572800\r\n\r\n" if declare else "Transfer-Encoding: chunked\r\n\r\n"
            s.sendall(head.encode())
            chunk = b" " * (1 << 20)
            try:
                for _ in range(300):
                    s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if not declare else chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the server answered and closed: exactly what should happen
            status = s.recv(100).split(b" ")[1]
        assert status in (b"413", b"403"), status
    time.sleep(1)
    growth = proc.memory_info().rss - before
    print(f"RSS before {before / 2**20:.0f} MB, growth {growth / 2**20:.1f} MB after {sent / 2**20:.0f} MB sent")
    assert growth < 50 * 2**20


def test_docs_page_lists_the_endpoints_and_loads_nothing_from_outside(engine):
    from taixin_qa.web.pages import add_pages

    app = FastAPI(title="taixin-qa API", version="0", docs_url=None, redoc_url=None)
    add_api(app, engine)
    add_pages(app, engine)
    page = TestClient(app).get("/docs").text
    for route in ("POST /api/ask", "POST /api/search", "POST /v1/chat/completions", "GET /v1/models"):
        assert route in page
    assert "<code>question</code>" in page and "curl -s http://127.0.0.1:7860/api/ask" in page
    assert "<script src" not in page and "cdn" not in page.lower()
