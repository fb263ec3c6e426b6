"""The chat page: rendering, handlers, request guards, feedback and start-up checks.

Everything here runs without a model: a fake engine stands in. The ``slow``
tests start ``python app.py`` (the real engine) and talk HTTP to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import gradio as gr
import pytest

from _web_server import EVIL, QUOTE, FakeEngine, found_answer, passage
from taixin_qa.errors import TaixinError
from taixin_qa.results import Answer, AnswerSentence
from taixin_qa.web.app import EXAMPLES, FRIENDLY_ERROR, Chat, build_app
from taixin_qa.web.asgi import MAX_JSON_DEPTH, PageHead, RequestGuard, json_depth, replace_lone_surrogates
from taixin_qa.web.feedback import FeedbackLog, read_feedback
from taixin_qa.web.render import (
    PENDING,
    answer_markdown,
    answer_plain,
    highlight,
    highlight_terms,
    passage_label,
    render_answer,
    render_message,
)
from taixin_qa.web.server import listen, parse_port

ROOT = Path(__file__).resolve().parents[1]
# -- rendering -------------------------------------------------------------------


def test_highlight_escapes_text_and_marks_terms():
    assert highlight("<b>阳曲</b>&", ["阳曲"]) == "&lt;b&gt;<mark>阳曲</mark>&lt;/b&gt;&amp;"
    assert "<img" not in highlight(EVIL, ["img", "src", "onerror"])
    assert "<script" not in highlight(EVIL, ["script"])
    assert highlight('a & b "amp" quot', ["amp", "quot"]) == "a &amp; b &quot;<mark>amp</mark>&quot; <mark>quot</mark>"


def test_highlight_terms_come_from_the_tokenizer_longest_first():
    tok = SimpleNamespace(cut=lambda q: ["阳曲县", "目标", "是"], cut_for_search=lambda q: ["阳曲", "阳曲县", "x"])
    assert highlight_terms(tok, "阳曲县的发展目标是什么？") == ["阳曲县", "目标", "阳曲"]


def test_source_is_labelled_by_interview_and_paragraph_not_by_score():
    assert passage_label(passage()) == "裴耀军专访 第6段"
    assert passage_label(passage(kind="caption")) == "裴耀军专访 图片说明"
    out = render_answer(found_answer())
    assert "裴耀军专访 第6段" in out and "相关度" not in out and "2.08" not in out


def test_sentences_carry_markers_linked_to_their_sources_and_cited_sources_come_first():
    out = render_answer(found_answer(), turn="t1-abc")
    assert 'class="tx-cite" href="#t1-abc-s1" data-n="1"' in out and 'id="t1-abc-s1"' in out
    cited, other = out.index("出处（1）"), out.index("其他相关段落（1）")
    assert cited < out.index("裴耀军专访 第6段") < other < out.index("裴耀军专访 第2段")


def test_quoted_sentence_is_marked_inside_its_paragraph():
    out = render_answer(found_answer(), ["阳曲"])
    assert '<span class="tx-quoted"><mark>阳曲</mark>将努力实现“一年见效、三年成形”。</span>' in out
    assert "目标明确。<span" in out


def test_direct_answer_comes_first_in_bold_then_attribution():
    out = render_answer(found_answer(short="一年见效、三年成形"))
    assert '<strong>一年见效、三年成形</strong><span class="tx-who">（裴耀军，阳曲县委书记）</span></p>' in out
    assert out.index("<strong>") < out.index('<p class="tx-sentence">')
    assert "<strong>裴耀军</strong></p>" in render_answer(found_answer(short="裴耀军"))  # the name needs no attribution


def test_no_certain_answer_is_said_before_the_quotes_in_the_chat_and_the_export():
    hedged = found_answer()
    hedged.hedge = "版面上没有找到可以直接作答的词句，以下是最相关的原文："
    out = render_answer(hedged)
    assert out.index('<p class="tx-missing tx-hedge">版面上没有找到') < out.index('<p class="tx-sentence">')
    assert answer_markdown(hedged).index("版面上没有找到") < answer_markdown(hedged).index("> ")
    assert "tx-hedge" not in render_answer(found_answer(short="一年见效"))
    assert hedged.to_dict()["hedge"] == hedged.hedge


def test_understood_as_offers_to_ask_on_its_own():
    out = render_answer(found_answer(understood_as="古交市第一年计划完成多少投资？"))
    assert "按上一问理解为：古交市第一年计划完成多少投资？" in out
    button = '<button type="button" class="tx-alone">改为单独提问</button>'
    assert button + '<span class="tx-alone-text">阳曲县的发展目标是什么?' in out


def test_sources_link_to_the_original_page_and_the_whole_interview():
    out = render_answer(found_answer())
    assert 'href="page/pei-yaojun-p06"' in out and 'href="interview/pei-yaojun#pei-yaojun-p06"' in out


def test_corpus_and_user_text_is_escaped_everywhere():
    evil = passage(text=EVIL, speaker="<b>x</b>", role="<i>r</i>", district="<u>d</u>", headline="<s>h</s>")
    ans = Answer(
        "x", [evil], True, [AnswerSentence(EVIL, evil, 1, 0)], question=EVIL, cited=1, understood_as=EVIL, short=EVIL
    )
    out = render_answer(ans, ["img", "script", "onerror"], asked=EVIL)
    for tag in ("<img", "<script", "<b>x", "<i>", "<u>", "<s>"):
        assert tag not in out, tag
    assert render_message("<script>alert(1)</script>\nx") == "&lt;script&gt;alert(1)&lt;/script&gt;<br>x"


def test_not_found_shows_the_text_and_no_sources():
    out = render_answer(Answer("本版面没有涉及这个问题。<b>", [], False, question="明天太原会下雨吗？"), ["太原"])
    assert "本版面没有涉及这个问题。&lt;b&gt;" in out
    assert "<details" not in out and "<mark>" not in out and "tx-sources" not in out


def test_copy_text_is_plain_answer_speaker_and_source():
    bold = found_answer()
    bold.text = "**一年见效**\n" + bold.text + "[1]"
    assert answer_plain(bold).startswith("一年见效\n" + QUOTE)
    text = answer_plain(found_answer())
    assert "<" not in text and ">" not in text
    assert text.startswith(QUOTE + "（裴耀军，阳曲县委书记）")
    assert "[1] 裴耀军专访 第6段（裴耀军，阳曲县委书记）· pei-yaojun-p06" in text
    assert "pei-yaojun-p02" not in text  # only what the answer cites


def test_markdown_export_has_question_answer_and_citations():
    md = answer_markdown(found_answer(short="一年见效、三年成形"), question="阳曲县的*目标*？")
    assert md.startswith("**问：** 阳曲县的\\*目标\\*？")
    assert "**一年见效、三年成形**（裴耀军，阳曲县委书记）" in md and f"> {QUOTE} [1]（裴耀军，阳曲县委书记）" in md
    assert "[1] 裴耀军专访 第6段（裴耀军，阳曲县委书记）：“目标明确。" in md


# -- the chat handlers, with a fake engine --------------------------------------------


def run(chat: Chat, question: str, stored=None, speaker="全部", district="全部", k=5, **kw):
    return list(chat.ask(question, stored or {"v": 1, "turns": []}, speaker, district, k, **kw))


def test_question_shows_at_once_with_a_placeholder_then_the_answer():
    steps = run(Chat(FakeEngine()), "阳曲县的发展目标是什么？")
    assert len(steps) == 2
    box, messages, stored = steps[0]
    assert box == "" and messages[-2]["content"] == "阳曲县的发展目标是什么？"
    assert PENDING in messages[-1]["content"]
    box, messages, stored = steps[1]
    assert not isinstance(box, str)  # gr.skip(): what was typed meanwhile stays in the box
    assert "tx-reply" in messages[-1]["content"] and PENDING not in messages[-1]["content"]
    assert stored["turns"][0]["q"] == "阳曲县的发展目标是什么？"
    assert stored["turns"][0]["ids"] == ["pei-yaojun-p06"]


def test_follow_up_sends_earlier_questions_and_answers_as_history():
    engine = FakeEngine()
    chat = Chat(engine)
    stored = run(chat, "万柏林区第一年计划完成多少投资？")[-1][2]
    run(chat, EVIL, stored, speaker="裴耀军", k=3)
    assert engine.calls[1]["history"] == [
        {"role": "user", "content": "万柏林区第一年计划完成多少投资？"},
        {"role": "assistant", "content": found_answer().text},
    ]
    assert engine.calls[1]["k"] == 3 and engine.calls[1]["speaker"] == "裴耀军"
    messages = run(chat, "x", stored)[-1][1]
    assert "<img" not in json.dumps(messages, ensure_ascii=False).replace("&lt;img", "")


def test_asking_on_its_own_sends_no_history():
    engine = FakeEngine()
    chat = Chat(engine)
    stored = run(chat, "万柏林区第一年计划完成多少投资？")[-1][2]
    list(chat.ask_alone("古交第一年计划完成多少投资？", stored, "全部", "全部", 5))
    assert engine.calls[-1]["history"] == []


def test_a_huge_question_is_cut_before_anything_reads_it():
    engine = FakeEngine()
    run(Chat(engine), "阳" * 10_000_000)
    assert len(engine.calls[0]["question"]) <= 2000


def test_stored_conversation_from_the_browser_is_not_trusted():
    chat = Chat(FakeEngine())
    for junk in (None, "x", {"turns": "x"}, {"turns": [1, {"q": 2}, {"q": "a"}]}):
        assert chat.restore(junk)[0] == []
    stored = run(chat, "阳曲？")[-1][2]
    assert [m["role"] for m in chat.restore(stored)[0]] == ["user", "assistant"]


def test_chat_turns_errors_into_friendly_messages(caplog):
    chat = Chat(FakeEngine(error=RuntimeError("secret internals")))
    with caplog.at_level(logging.ERROR, logger="taixin_qa.web.app"):
        messages = run(chat, "阳曲？" + "x" * 1000)[-1][1]
    assert FRIENDLY_ERROR in messages[-1]["content"] and "secret" not in messages[-1]["content"]
    assert "secret internals" in caplog.text  # the traceback stays in the server log...
    assert "x" * 250 not in caplog.text  # ...with the question cut short
    messages = run(Chat(FakeEngine(error=TaixinError("Unknown speaker 'x'."))), "阳曲？")[-1][1]
    assert "Unknown speaker &#x27;x&#x27;." in messages[-1]["content"]


def test_chat_says_when_filters_do_not_match():
    engine = FakeEngine()
    messages = run(Chat(engine), "问题", speaker="裴耀军", district="古交市")[-1][1]
    assert "全部" in messages[-1]["content"] and engine.calls == []


def test_empty_question_is_ignored():
    steps = run(Chat(FakeEngine()), "   ")
    assert len(steps) == 1 and steps[0][1] == []


def like(index, liked: bool) -> gr.LikeData:
    return gr.LikeData(None, {"index": index, "value": "", "liked": liked})


def test_feedback_vote_appends_one_line(tmp_path):
    log = FeedbackLog(tmp_path / "votes.jsonl")
    chat = Chat(FakeEngine(found_answer(understood_as="阳曲县的发展目标是什么？")), feedback=log)
    stored = run(chat, "那阳曲呢？")[-1][2]
    chat.vote(like(1, False), stored)
    chat.vote(like([1, 0], True), stored)
    chat.vote(like(99, True), stored)  # no such answer: ignored
    lines = [json.loads(x) for x in (tmp_path / "votes.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["vote"] for x in lines] == ["down", "up"]
    assert lines[0]["question"] == "那阳曲呢？" and lines[0]["understood_as"] == "阳曲县的发展目标是什么？"
    assert lines[0]["answer_ids"] == ["pei-yaojun-p06"] and lines[0]["time"].endswith("+00:00")
    report = read_feedback(tmp_path / "votes.jsonl")
    assert (report.votes, report.up, report.down) == (2, 1, 1)
    assert "2 votes: 1 up, 1 down" in report.summary() and "pei-yaojun-p06" in report.summary()


def test_feedback_is_off_unless_a_file_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = build_app(FakeEngine())
    assert not any(getattr(d, "targets", None) and any(t[1] == "like" for t in d.targets) for d in demo.fns.values())
    chat = Chat(FakeEngine())
    chat.vote(like(1, True), run(chat, "阳曲？")[-1][2])
    assert list(tmp_path.iterdir()) == []
    demo = build_app(FakeEngine(), feedback=FeedbackLog(tmp_path / "v.jsonl"))
    assert any(any(t[1] == "like" for t in d.targets) for d in demo.fns.values())


def test_feedback_report_command(tmp_path):
    from click.testing import CliRunner

    from taixin_qa.cli import main

    path = tmp_path / "votes.jsonl"
    FeedbackLog(path).record("down", "古交投资多少？", None, ["li-weiping-p02"])
    path.write_text(path.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["feedback", "report", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 votes: 0 up, 1 down" in result.output and "1 × 古交投资多少？" in result.output
    assert "1 unreadable line(s) skipped." in result.output


def test_app_hides_the_chat_endpoints_and_keeps_a_queue():
    demo = build_app(FakeEngine())
    public = {f.api_name for f in demo.fns.values() if f.api_visibility == "public"}
    assert public == {"ask"}
    assert len(EXAMPLES) == 5 and any(q.isascii() for q in EXAMPLES)
    assert demo._queue.max_size == 256  # noqa: SLF001 - Gradio's own attribute, no public getter


def test_gradio_ask_returns_the_answer_dict():
    engine = FakeEngine()
    out = Chat(engine).api_ask("阳曲县的发展目标是什么？", [])
    assert out == found_answer().to_dict()
    Chat(engine).api_ask("那古交呢？", '["万柏林区第一年计划完成多少投资？"]')
    assert engine.calls[-1]["history"] == ["万柏林区第一年计划完成多少投资？"]
    assert Chat(engine).api_ask("x", cast(Any, {"q": 1}))["error"].startswith("history must be a list")
    out = Chat(FakeEngine(error=TaixinError("bad"))).api_ask("x", k="abc")
    assert out["found"] is False and out["error"]


# -- request guards (ASGI, no server) ---------------------------------------------------


def call(
    app,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = "application/json",
    chunks: int = 1,
    declare_length: bool = True,
) -> tuple[int, bytes, bytes]:
    """One request through an ASGI app; returns (status, response body, request body the app saw)."""
    headers = [(b"content-type", content_type.encode())]
    if declare_length:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    size = max(1, len(body) // chunks)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    sent: list[dict] = []
    seen = bytearray()

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def inner(scope, receive, send):
        more = True
        while more:
            m = await receive()
            seen.extend(m.get("body", b""))
            more = m.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    asyncio.run(app(inner)(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), bytes(seen)


def guard(limit: int = 1000):
    return lambda inner: RequestGuard(inner, max_body=limit)


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/upload",
        "/gradio_api/process_recording",
        "/gradio_api/run/predict",
        "/gradio_api/stream/1",
        "/login",
        "/nowhere",
        "/gradio_api/vibe-edit",
    ],
)
def test_posts_outside_the_allowlist_are_refused_unread(path):
    status, body, seen = call(guard(), "POST", path, b"x" * 100, content_type="multipart/form-data; boundary=x")
    assert status == 403 and seen == b"" and json.loads(body)["error"]["type"] == "forbidden"


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/", "/gradio_api/queue/join", "/v1/chat/completions"])
def test_allowed_routes_take_json(path):
    assert call(guard(), "POST", path, b'{"question": "x"}')[0] == 200
    assert call(guard(), "POST", path, b"q=x", content_type="application/x-www-form-urlencoded")[0] == 415


def test_put_and_delete_are_writes_too():
    assert call(guard(), "PUT", "/api/ask", b"{}")[0] == 403
    assert call(guard(), "DELETE", "/gradio_api/queue/join")[0] == 403
    assert call(guard(), "GET", "/anything")[0] == 200


def test_oversized_bodies_get_413_from_the_header_or_while_streaming():
    status, _, seen = call(guard(1000), "POST", "/api/ask", b"[" * 5000)
    assert status == 413 and seen == b""
    status, _, seen = call(guard(1000), "POST", "/api/ask", b" " * 5000, chunks=50, declare_length=False)
    assert status == 413 and seen == b""


def test_deep_nesting_is_refused_without_recursion():
    body = b'{"q": "\\ud800", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, body_out, seen = call(guard(10**7), "POST", "/api/ask", body)
    assert status == 400 and seen == b"" and b"nests deeper" in body_out
    assert json_depth(b'{"a": ["[[[[[[", {"b": []}]}') == 4
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 5)) > MAX_JSON_DEPTH


def test_lone_surrogates_are_replaced_and_pairs_kept():
    assert replace_lone_surrogates(rb'{"q": "\ud800x\udfff"}') == rb'{"q": "\ufffdx\ufffd"}'
    assert replace_lone_surrogates(rb'"\ud83d\ude00"') == rb'"\ud83d\ude00"'  # a real pair: an emoji
    assert replace_lone_surrogates(rb'"\\ud800"') == rb'"\\ud800"'  # a literal backslash, not an escape
    assert replace_lone_surrogates(rb'"\\\ud800"') == rb'"\\\ufffd"'
    _, _, seen = call(guard(), "POST", "/api/ask", rb'{"question": "\udc00"}')
    assert json.loads(seen) == {"question": "\ufffd"}


def test_page_shell_says_chinese_and_previews_as_this_app():
    async def page(scope, receive, send):
        body = (
            b'<html lang="en"><meta property="og:title" content="Gradio" />'
            b'<meta property="og:description" content="Click to try out the app!" />'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    sent: list[dict] = []

    async def send(m):
        sent.append(m)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", b"br")]}
    asyncio.run(PageHead(page, "标题", "说明<")(scope, receive, send))
    html = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode("utf-8")
    assert html == (
        '<html lang="zh-CN"><meta property="og:title" content="标题" />'
        '<meta property="og:description" content="说明&lt;" />'
    )
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(html.encode())).encode()


# -- start-up checks ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "99999", "0", "-1", "", "80.5"])
def test_bad_ports_are_named(value):
    with pytest.raises(TaixinError, match="not a port number"):
        parse_port(value, "TAIXIN_QA_PORT")


def test_port_in_use_and_unknown_hosts_are_one_line_errors():
    taken = listen("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(TaixinError, match=f"port {port} on 127.0.0.1 is already in use"):
            listen("127.0.0.1", port)
    finally:
        taken.close()
    with pytest.raises(TaixinError, match="no such address"):
        listen("10.255.255.1", 0)
    with pytest.raises(TaixinError, match="no such host"):
        listen("no-such-host.invalid", 0)


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--port", "99999"], {}, "--port='99999' is not a port number"),
        ([], {"TAIXIN_QA_PORT": "abc"}, "TAIXIN_QA_PORT='abc' is not a port number"),
        (["--host", "10.255.255.1", "--port", "7999"], {}, "this machine has no such address"),
        (["--feedback", "/no/such/folder/votes.jsonl"], {}, "does not exist"),
    ],
)
def test_start_up_faults_print_one_line_and_exit_2_before_loading_the_model(args, env, message):
    import os

    environ = {**os.environ, **env, "TAIXIN_QA_MODEL": "no-such-model-would-be-slow"}
    proc = subprocess.run(
        [sys.executable, "app.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and message in proc.stderr and "Traceback" not in proc.stderr


def test_serve_subcommand_and_python_dash_m_share_the_checks():
    for cmd in (
        [sys.executable, "-m", "taixin_qa", "serve", "--port", "abc"],
        [sys.executable, "-m", "taixin_qa.cli", "serve", "--port", "70000"],
    ):
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "not a port number" in proc.stderr and "Traceback" not in proc.stderr


def test_a_port_in_use_is_found_before_the_model_loads():
    taken = listen("127.0.0.1", 0)
    try:
        proc = subprocess.run(
            [sys.executable, "app.py", "--port", str(taken.getsockname()[1])],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        taken.close()
    assert proc.returncode == 2 and "already in use" in proc.stderr and "Traceback" not in proc.stderr
    assert "index" not in proc.stdout.lower()


# -- the real app over HTTP ----------------------------------------------------------------


@pytest.fixture(scope="module")
def gradio_temp(tmp_path_factory):
    return tmp_path_factory.mktemp("gradio-temp")


@pytest.fixture(scope="module")
def temp_server(gradio_temp):
    """``python app.py`` with Gradio's temporary folder where the test can see it."""
    from _web_server import start_app

    server = start_app(env={"GRADIO_TEMP_DIR": str(gradio_temp)})
    yield server
    server.stop()


def _post(url: str, data: bytes, content_type: str = "application/json") -> int:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_app_py_serves_on_localhost_only(temp_server):
    import psutil

    assert f"http://127.0.0.1:{temp_server.port}" in temp_server.log
    listening = {
        c.laddr.ip
        for c in psutil.Process(temp_server.proc.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == temp_server.port
    }
    assert listening == {"127.0.0.1"}


@pytest.mark.slow
def test_page_is_chinese_and_previews_as_the_app(temp_server):
    with urllib.request.urlopen(temp_server.url, timeout=30) as r:
        page = r.read().decode("utf-8")
    assert 'lang="zh-CN"' in page and 'content="Gradio"' not in page and "太忻经济区" in page


@pytest.mark.slow
@pytest.mark.parametrize("route", ["gradio_api/upload", "gradio_api/process_recording"])
def test_uploads_are_refused(temp_server, route):
    assert _post(temp_server.url + route, b"--x--\r\n", "multipart/form-data; boundary=x") == 403


@pytest.mark.slow
def test_original_page_view_highlights_the_passage_lines(temp_server):
    with urllib.request.urlopen(temp_server.url + "page/pei-yaojun-p03", timeout=30) as r:
        page = r.read().decode("utf-8")
    assert 'lang="zh-CN"' in page and "裴耀军专访 第3段" in page and 'class="hl"' in page
    with urllib.request.urlopen(temp_server.url + "interview/pei-yaojun", timeout=30) as r:
        assert 'id="pei-yaojun-p03"' in r.read().decode("utf-8")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(temp_server.url + "page/..%2F..%2Fetc%2Fpasswd", timeout=30)
    assert err.value.code == 404


@pytest.mark.slow
def test_the_server_writes_no_files(temp_server, gradio_temp):
    """After the upload attempts above and an answer, Gradio's temporary folder is still empty."""
    from gradio_client import Client

    assert _post(temp_server.url + "gradio_api/upload", b"x" * 1000, "multipart/form-data; boundary=x") == 403
    out = Client(temp_server.url, verbose=False).predict("阳曲县的发展目标是什么？", [], api_name="/ask")
    assert out["found"] and out["sentences"][0]["speaker"] == "裴耀军"
    assert [p for p in gradio_temp.rglob("*") if p.is_file()] == []


def test_a_full_stored_conversation_fits_the_request_limit():
    """The browser sends the stored conversation with each question: at its cap it must stay under the limit."""
    from taixin_qa.web.app import MAX_TURNS
    from taixin_qa.web.asgi import MAX_BODY_BYTES

    long = "太忻经济区建设“一年见效、三年成形、五年成势、十年成城”。" * 8  # a long paragraph, ~240 characters
    passages = [passage(text=long, id=f"pei-yaojun-p{n:02d}") for n in range(1, 11)]
    engine = FakeEngine(found_answer(*passages))
    chat = Chat(engine)
    stored: dict[str, Any] = {"v": 1, "turns": []}
    for i in range(MAX_TURNS + 5):
        stored = run(chat, f"第{i}个问题：" + "阳曲" * 500, stored, k=10)[-1][2]
    assert len(stored["turns"]) == MAX_TURNS
    body = json.dumps({"data": ["问题", stored, "全部", "全部", 10], "session_hash": "x" * 12}).encode()
    assert len(body) * 4 / 3 < MAX_BODY_BYTES  # base64 of the stored value, as the browser encrypts it


@pytest.mark.parametrize("module", ["taixin_qa.web.render", "taixin_qa.web.asgi"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
