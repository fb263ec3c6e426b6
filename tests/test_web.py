"""The browser chat's rendering, handler and JSON endpoint.

The rendering and handler tests use a fake engine and no server; the
``slow`` ones start ``python app.py`` and call it with gradio_client.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from taixin_qa.answering import Answer, AnswerSentence
from taixin_qa.chunking import Passage
from taixin_qa.errors import TaixinError
from taixin_qa.web import (EXAMPLES, FRIENDLY_ERROR, _history_list, build_app, highlight, highlight_terms, launch,
                           render_answer, render_message)

EVIL = '<img src=x onerror="window.__pwned=1"><script>alert(1)</script>'


def passage(text="阳曲将努力实现“一年见效、三年成形”。", **kw) -> Passage:
    base = dict(id="pei-yaojun-p06", text=text, speaker="裴耀军", role="阳曲县委书记", district="阳曲县",
                headline="当好太忻经济区建设排头兵", interview_id="pei-yaojun", kind="paragraph", score=2.0862)
    base.update(kw)
    return Passage(**base)


def found_answer(*passages: Passage) -> Answer:
    ps = list(passages) or [passage()]
    sentences = [AnswerSentence(ps[0].text, ps[0])]
    return Answer("\n".join(s.render() for s in sentences), ps, True, sentences, question="阳曲县的发展目标是什么?")


# -- rendering -------------------------------------------------------------------

def test_highlight_escapes_text_and_marks_terms():
    assert highlight("<b>阳曲</b>&", ["阳曲"]) == "&lt;b&gt;<mark>阳曲</mark>&lt;/b&gt;&amp;"
    assert highlight(EVIL, []) == highlight(EVIL, ["不在文中"])
    assert "<img" not in highlight(EVIL, ["img", "src", "onerror"])
    assert "<script" not in highlight(EVIL, ["script"])


def test_highlight_never_breaks_an_entity():
    # "amp" and "quot" are inside the entities escaping makes; matching runs on the raw text.
    out = highlight('a & b "amp" quot', ["amp", "quot"])
    assert out == "a &amp; b &quot;<mark>amp</mark>&quot; <mark>quot</mark>"


def test_highlight_terms_come_from_the_tokenizer_longest_first():
    tok = SimpleNamespace(cut=lambda q: ["阳曲县", "目标", "是"], cut_for_search=lambda q: ["阳曲", "阳曲县", "x"])
    assert highlight_terms(tok, "阳曲县的发展目标是什么？") == ["阳曲县", "目标", "阳曲"]
    assert highlight(passage().text, ["阳曲县", "阳曲"]).startswith("<mark>阳曲</mark>将")


def test_found_answer_has_sentence_speaker_and_collapsible_sources():
    ans = found_answer(passage(), passage(id="p2", text="第二段。", kind="caption", headline=None, score=1.5))
    out = render_answer(ans, ["阳曲"])
    assert out.count("<details") == 2 and out.count("<summary>") == 2
    assert "（裴耀军，阳曲县委书记）" in out
    assert "阳曲县委书记" in out and "《当好太忻经济区建设排头兵》" in out and "相关度 2.09" in out
    assert "<mark>阳曲</mark>" in out
    assert "图片说明" in out


def test_corpus_text_is_escaped_everywhere():
    evil = passage(text=EVIL, speaker="<b>x</b>", role="<i>r</i>", district="<u>d</u>", headline="<s>h</s>")
    out = render_answer(found_answer(evil), ["img", "script", "onerror"])
    for tag in ("<img", "<script", "<b>x", "<i>", "<u>", "<s>"):
        assert tag not in out, tag
    assert "&lt;img" in out and "&lt;script&gt;" in out


def test_not_found_shows_the_text_and_no_sources():
    ans = Answer("本版面没有涉及这个问题。<b>", [], False, question="明天太原会下雨吗？")
    out = render_answer(ans, ["太原"])
    assert "本版面没有涉及这个问题。&lt;b&gt;" in out
    assert "<details" not in out and "<mark>" not in out and "出处" not in out


def test_render_message_escapes_user_text():
    assert render_message("<script>alert(1)</script>\nx") == "&lt;script&gt;alert(1)&lt;/script&gt;<br>x"


def test_history_argument_of_ask():
    assert _history_list(None) == [] and _history_list("") == [] and _history_list([]) == []
    assert _history_list(["a", "b"]) == ["a", "b"]
    assert _history_list('["万柏林区第一年计划完成多少投资？"]') == ["万柏林区第一年计划完成多少投资？"]
    assert _history_list("上一个问题") == ["上一个问题"]
    assert _history_list([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == ["q"]
    with pytest.raises(TaixinError):
        _history_list({"q": 1})


# -- the handlers, with a fake engine ------------------------------------------------

@dataclass
class FakeInterview:
    speaker: str
    districts: tuple[str, ...]

    @property
    def district(self) -> str:
        return "、".join(self.districts)


class FakeEngine:
    def __init__(self, answer=None, error: Exception | None = None):
        self.corpus = SimpleNamespace(interviews=[FakeInterview("裴耀军", ("阳曲县",)),
                                                  FakeInterview("李卫平", ("古交市",))])
        self.tokenizer = SimpleNamespace(cut=lambda q: [q[:2]], cut_for_search=lambda q: [])
        self._answer, self._error = answer or found_answer(), error
        self.calls: list[dict] = []

    def reload_if_changed(self) -> bool:
        return False

    def answer(self, question, history=None, k=5, speaker=None, district=None):
        self.calls.append(dict(question=question, history=list(history or []), k=k, speaker=speaker,
                               district=district))
        if self._error:
            raise self._error
        return self._answer

    def resolve(self, field_name, value):
        table = {"裴耀军": "pei", "阳曲县": "pei", "李卫平": "li", "古交市": "li"}
        return {table[value]}


def handler(demo, api_name: str):
    return next(f.fn for f in demo.fns.values() if f.api_name == api_name)


def test_chat_escapes_user_messages_and_passes_history_and_filters():
    engine = FakeEngine()
    chat = handler(build_app(engine), "chat")
    box, messages, questions = chat("万柏林区第一年计划完成多少投资？", [], [], "全部", "全部", 5)
    box, messages, questions = chat(EVIL, messages, questions, "裴耀军", "全部", 3)
    assert box == "" and questions == ["万柏林区第一年计划完成多少投资？", EVIL]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert "<img" not in messages[2]["content"] and "&lt;img" in messages[2]["content"]
    assert engine.calls[1] == dict(question=EVIL, history=["万柏林区第一年计划完成多少投资？"], k=3,
                                   speaker="裴耀军", district=None)
    assert "<details" in messages[1]["content"]


def test_chat_turns_errors_into_friendly_messages(caplog):
    chat = handler(build_app(FakeEngine(error=RuntimeError("secret internals"))), "chat")
    with caplog.at_level(logging.ERROR, logger="taixin_qa.web"):
        _, messages, _ = chat("阳曲？", [], [], "全部", "全部", 5)
    assert messages[-1]["content"] == FRIENDLY_ERROR
    assert "secret internals" in caplog.text  # the traceback stays in the server log
    chat = handler(build_app(FakeEngine(error=TaixinError("Unknown speaker 'x'."))), "chat")
    _, messages, _ = chat("阳曲？", [], [], "全部", "全部", 5)
    assert messages[-1]["content"] == "Unknown speaker &#x27;x&#x27;."


def test_chat_says_when_filters_do_not_match():
    engine = FakeEngine()
    _, messages, _ = handler(build_app(engine), "chat")("问题", [], [], "裴耀军", "古交市", 5)
    assert "全部" in messages[-1]["content"] and engine.calls == []


def test_empty_question_is_ignored():
    _, messages, questions = handler(build_app(FakeEngine()), "chat")("   ", [], [], "全部", "全部", 5)
    assert messages == [] and questions == []


def test_ask_returns_the_answer_dict():
    ask = handler(build_app(FakeEngine()), "ask")
    out = ask("阳曲县的发展目标是什么？", "[]")
    assert out["found"] is True and out["answer"].endswith("（裴耀军，阳曲县委书记）")
    assert out["sentences"][0]["speaker"] == "裴耀军" and out["passages"][0]["id"] == "pei-yaojun-p06"
    out = handler(build_app(FakeEngine(error=TaixinError("bad"))), "ask")("x")
    assert out["found"] is False and out["answer"] == "bad"


def test_app_has_examples_and_a_queue():
    demo = build_app(FakeEngine())
    assert len(EXAMPLES) == 5 and any(q.isascii() for q in EXAMPLES)
    assert demo._queue.max_size == 256 and demo._queue.default_concurrency_limit == 4  # noqa: SLF001


@pytest.mark.slow
def test_launch_binds_to_localhost_without_a_share_link(monkeypatch):
    from _web_server import free_port

    monkeypatch.delenv("TAIXIN_QA_HOST", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    demo = build_app(FakeEngine())
    try:
        _, local_url, share_url = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
        assert demo.server_name == "127.0.0.1" and local_url.startswith("http://127.0.0.1:")
        assert share_url is None and demo.share_url is None and not demo.share
        with urllib.request.urlopen(local_url, timeout=30) as r:
            page = r.read().decode("utf-8")
        assert "太忻经济区" in page
    finally:
        demo.close()


# -- the real app over HTTP ----------------------------------------------------------

@pytest.fixture(scope="module")
def app_server():
    from _web_server import start_app

    server = start_app()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(app_server):
    from gradio_client import Client

    return Client(app_server.url, verbose=False)


@pytest.mark.slow
def test_ask_endpoint_answers_with_the_speaker(client):
    out = client.predict("阳曲县的发展目标是什么？", [], api_name="/ask")
    assert out["found"] is True and out["answer"]
    assert "裴耀军" in [s["speaker"] for s in out["sentences"]]
    assert {"text", "speaker", "role", "district"} <= set(out["sentences"][0])
    assert out["passages"] and {"id", "text", "speaker", "score"} <= set(out["passages"][0])


@pytest.mark.slow
def test_ask_endpoint_says_when_the_page_is_silent(client):
    out = client.predict("明天太原会下雨吗？", [], api_name="/ask")
    assert out["found"] is False and out["passages"] == [] and out["sentences"] == []
    assert out["answer"]


@pytest.mark.slow
@pytest.mark.parametrize("history", [["万柏林区第一年计划完成多少投资？"], json.dumps(["万柏林区第一年计划完成多少投资？"])])
def test_ask_endpoint_follows_up(client, history):
    out = client.predict("那古交呢？", history, api_name="/ask")
    assert out["found"] is True and out["sentences"][0]["speaker"] == "李卫平"


@pytest.mark.slow
def test_app_py_serves_on_localhost_only(app_server):
    import psutil

    assert f"http://127.0.0.1:{app_server.port}" in app_server.log
    assert "gradio.live" not in app_server.log and "public URL" not in app_server.log
    listening = {c.laddr.ip for c in psutil.Process(app_server.proc.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == app_server.port}
    assert listening == {"127.0.0.1"}


@pytest.mark.slow
def test_uploads_are_refused(app_server):
    req = urllib.request.Request(app_server.url + "gradio_api/upload", data=b"--x--\r\n", method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=x"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 403
