"""The chat page: a thin Gradio 6 layer over :meth:`taixin_qa.engine.Engine.answer`.

No retrieval logic lives here: the engine finds the passages, picks the
sentences and resolves follow-up questions; this module shows them.

The conversation lives in the browser (``gr.BrowserState``, i.e. the
browser's localStorage), never on the server: each turn keeps the question,
the answer's plain text (the next question's history), its rendered HTML and
the cited passage ids. The chatbot's messages are rebuilt from those turns.
"""

from __future__ import annotations

import html
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any

import gradio as gr

from taixin_qa.errors import TaixinError
from taixin_qa.results import Answer
from taixin_qa.web.api import bounded, short
from taixin_qa.web.feedback import FeedbackLog
from taixin_qa.web.render import (
    highlight_terms,
    passage_label,
    render_answer,
    render_error,
    render_message,
    render_pending,
)

__all__ = ["ALL", "EXAMPLES", "FRIENDLY_ERROR", "STORAGE_KEY", "TITLE", "build_app", "head_html", "page_css", "theme"]

log = logging.getLogger(__name__)

TITLE = "太忻经济区 · 书记访谈问答"
DESCRIPTION = "问本版六位太原市县（市、区）委书记谈太忻经济区建设的专访：每个回答都摘自版面原文，并注明是谁说的。"
ALL = "全部"
DEFAULT_K = 5
MAX_K = 10
# Turns kept in the browser and sent with each question: bounded, so a long
# conversation never outgrows the server's request limit.
MAX_TURNS = 30
# Earlier turns the engine sees for a follow-up.
HISTORY_TURNS = 4
EXAMPLES = (
    "阳曲县的发展目标是什么？",
    "万柏林区第一年计划投资多少？",
    "谁说要当排头兵？",
    "迎泽区要打造哪五大融合载体？",
    "What does Gujiao plan for new energy?",
)
FRIENDLY_ERROR = "抱歉，这个问题暂时没能回答，请换个说法或稍后再试。"
STORAGE_KEY = "taixin-qa-conversation-v1"
# BrowserState encrypts what it stores with this key. It protects nothing
# secret (the conversation is the user's own, in the user's own browser); a
# fixed key only lets a conversation survive a restart of the server.
_STORAGE_SECRET = "taixin-qa-conversation"

# Queue: a question costs ~0.1 s of CPU on two cores, so more than a few
# workers only add threads that wait; 4 lets the cheap parts (parsing, BM25,
# rendering) of several questions overlap. Past 256 waiting events a user is
# told the queue is full instead of waiting for minutes.
CONCURRENCY_LIMIT = 4
QUEUE_MAX_SIZE = 256


def _asset(name: str) -> str:
    return resources.files("taixin_qa.web").joinpath("assets", name).read_text(encoding="utf-8")


def page_css() -> str:
    return _asset("chat.css")


def head_html() -> str:
    """Extra <head>: a description for link previews, and the page's script (scrolling, copy, export)."""
    e = html.escape
    return (
        f'<meta name="description" content="{e(DESCRIPTION)}">'
        f'<meta name="color-scheme" content="light dark">'
        f"<script>{_asset('chat.js')}</script>"
    )


def theme() -> gr.themes.Base:
    """Calm, paper-like; only local fonts, so the page loads nothing from the internet."""
    sans = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    return gr.themes.Default(
        primary_hue=gr.themes.colors.red,
        neutral_hue=gr.themes.colors.stone,
        font=sans,
        font_mono=["ui-monospace", "monospace"],
        radius_size=gr.themes.sizes.radius_sm,
    ).set(
        body_background_fill="#fbf8f1",
        body_background_fill_dark="#1b1a18",
        block_background_fill="#ffffff",
        block_background_fill_dark="#24221f",
        button_primary_background_fill="#9e1b1b",
        button_primary_background_fill_hover="#7f1414",
        button_primary_background_fill_dark="#b3261e",
        button_primary_text_color="#ffffff",
    )


def _filter_value(value: Any) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return None if not value or value == ALL else str(value)


def _turns(stored: Any) -> list[dict[str, Any]]:
    """The conversation as the browser stored it; anything malformed is dropped, not trusted."""
    if not isinstance(stored, dict) or not isinstance(stored.get("turns"), list):
        return []
    return [
        t
        for t in stored["turns"][-MAX_TURNS:]
        if isinstance(t, dict) and isinstance(t.get("q"), str) and isinstance(t.get("html"), str)
    ]


def _messages(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for t in turns:
        out.append({"role": "user", "content": render_message(t["q"])})
        out.append({"role": "assistant", "content": t["html"]})
    return out


def _history(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The last turns as the engine reads a conversation: role/content, the assistant's answers included."""
    out = []
    for t in turns[-HISTORY_TURNS:]:
        out.append({"role": "user", "content": bounded(t["q"])})
        if isinstance(t.get("a"), str) and t["a"]:
            out.append({"role": "assistant", "content": bounded(t["a"], 4000)})
    return out


def _store(turns: list[dict[str, Any]]) -> dict[str, Any]:
    return {"v": 1, "turns": turns[-MAX_TURNS:]}


class Chat:
    """The chat's handlers over one engine; plain methods, so tests call them without a server."""

    def __init__(self, engine: Any, feedback: FeedbackLog | None = None, label: Callable[[Any], str] = passage_label):
        self.engine = engine
        self.feedback = feedback
        self.label = label

    def filters_clash(self, speaker: str | None, district: str | None) -> bool:
        if not (speaker and district):
            return False
        return not (self.engine.resolve("speaker", speaker) & self.engine.resolve("district", district))

    def reply(
        self,
        question: str,
        turns: list[dict[str, Any]],
        k: int,
        speaker: str | None,
        district: str | None,
        standalone: bool = False,
    ) -> dict[str, Any]:
        """One turn: the question, the reply's HTML and what later turns and votes need."""
        turn_id = f"t{len(turns) + 1}-{uuid.uuid4().hex[:6]}"
        turn: dict[str, Any] = {"q": question, "a": "", "understood_as": None, "ids": [], "found": False}
        try:
            if self.filters_clash(speaker, district):
                text = f"所选受访者“{speaker}”不负责“{district}”。请把其中一个筛选改为“{ALL}”。"
                return {**turn, "a": text, "html": render_error(text, question)}
            ans = self.engine.answer(
                question, history=[] if standalone else _history(turns), k=k, speaker=speaker, district=district
            )
        except TaixinError as exc:
            log.info("question refused %r: %s", short(question), short(exc, 300))
            return {**turn, "a": str(exc), "html": render_error(str(exc), question)}
        except Exception:
            log.exception("chat failed for %r", short(question))
            return {**turn, "a": FRIENDLY_ERROR, "html": render_error(FRIENDLY_ERROR, question)}
        hint = ""
        if not ans.found and (speaker or district):
            hint = f"（当前只在“{speaker or district}”的访谈中查找；可把筛选改为“{ALL}”再试。）"
        terms = highlight_terms(self.engine.tokenizer, question, ans.question)
        return {
            **turn,
            "a": ans.text,
            "understood_as": ans.understood_as,
            "found": ans.found,
            "ids": [p.id for p in ans.passages[: ans.cited]] if ans.found else [],
            "html": render_answer(ans, terms, hint, turn=turn_id, label=self.label, asked=question),
        }

    def ask(
        self, message: Any, stored: Any, speaker: Any, district: Any, k: Any, standalone: bool = False
    ) -> Iterator[tuple[Any, Any, Any]]:
        """Show the question with "查找中…" at once, then the reply. Yields (box, chatbot, stored).

        The box is cleared when the question is taken and left alone after, so
        what the user types while waiting stays.
        """
        question = bounded(message).strip()  # cut first: nothing reads more than this
        turns = _turns(stored)
        if not question:
            yield gr.skip(), _messages(turns), gr.skip()
            return
        pending = [
            *_messages(turns),
            {"role": "user", "content": render_message(question)},
            {"role": "assistant", "content": render_pending()},
        ]
        yield "", pending, gr.skip()
        try:
            depth = max(1, min(int(k or DEFAULT_K), MAX_K))
        except (TypeError, ValueError):
            depth = DEFAULT_K
        turns = [
            *turns,
            self.reply(question, turns, depth, _filter_value(speaker), _filter_value(district), standalone),
        ][-MAX_TURNS:]
        yield gr.skip(), _messages(turns), _store(turns)

    def ask_alone(
        self,
        message: Any,
        stored: Any,
        speaker: Any,
        district: Any,
        k: Any,
    ) -> Iterator[tuple[Any, Any, Any]]:
        """The same question without the conversation ("改为单独提问")."""
        yield from self.ask(message, stored, speaker, district, k, standalone=True)

    def restore(self, stored: Any, *closed: Any) -> tuple[Any, ...]:
        """The stored conversation into the chat, then the ways to ask open (they start closed, so a
        question asked at once is never overwritten by the restore)."""
        return (_messages(_turns(stored)), *(gr.update(interactive=True) for _ in range(len(closed) or 1)))

    def vote(self, data: gr.LikeData, stored: Any) -> None:
        """Append one vote to the operator's feedback file (only called when feedback is on)."""
        if self.feedback is None:
            return
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turns = _turns(stored)
        if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
            return
        turn = turns[index // 2]
        self.feedback.record(
            "up" if data.liked is True else "down",
            turn.get("q"),
            turn.get("understood_as"),
            turn.get("ids"),
            turn.get("found"),
        )

    def api_ask(
        self,
        question: str,
        history: list[Any] | str | None = None,
        k: int | str = DEFAULT_K,
        speaker: str | None = None,
        district: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question about the page (``Answer.to_dict()``). Prefer ``POST /api/ask``."""
        try:
            depth = max(1, min(int(k or DEFAULT_K), MAX_K))
            if isinstance(history, str) and history.strip():
                history = json.loads(history)  # a client that can only send strings sends the list as JSON
            if history and not isinstance(history, list):
                raise TypeError('history must be a list of earlier turns, e.g. ["万柏林区第一年计划完成多少投资？"].')
            hist = [bounded(h) if isinstance(h, str) else h for h in (history or [])][-50:]
            ans: Answer = self.engine.answer(
                bounded(question),
                history=hist,
                k=depth,
                speaker=_filter_value(speaker),
                district=_filter_value(district),
            )
        except (TaixinError, TypeError, ValueError) as exc:
            return {"text": str(exc), "found": False, "sentences": [], "passages": [], "error": str(exc)}
        except Exception:
            log.exception("/ask failed for %r", short(question))
            return {"text": FRIENDLY_ERROR, "found": False, "sentences": [], "passages": [], "error": FRIENDLY_ERROR}
        return ans.to_dict()


def _chips(speaker: Any, district: Any) -> str:
    active = [(name, v) for name, v in (("受访者", _filter_value(speaker)), ("区县", _filter_value(district))) if v]
    if not active:
        return '<div class="tx-chips" aria-label="当前筛选"><span class="tx-chip tx-chip-none">全部受访者</span></div>'
    chips = "".join(f'<span class="tx-chip">{html.escape(n)}：{html.escape(v)}</span>' for n, v in active)
    return f'<div class="tx-chips" aria-label="当前筛选">{chips}</div>'


@dataclass
class _Page:
    """The page's components that events read or write."""

    stored: Any
    chatbot: Any
    box: Any
    send: Any
    chips: Any
    speaker: Any
    district: Any
    k: Any
    examples: list[Any]
    export: Any
    clear: Any
    alone_box: Any
    alone_go: Any


def _masthead(engine: Any) -> None:
    names = "、".join(f"{iv.speaker}（{iv.district}）" for iv in engine.corpus.interviews)
    gr.HTML(
        f'<header id="tx-masthead"><h1>{html.escape(TITLE)}</h1>'
        f'<p class="tx-lede">问答对象：本版<b>六位太原市县（市、区）委书记</b>谈太忻经济区建设的专访'
        f'<span class="tx-names">——{html.escape(names)}</span>。每个回答都摘自版面原文，并注明是谁说的。</p>'
        f"</header>",
        padding=False,
    )


def _chatbot(feedback: bool) -> Any:
    return gr.Chatbot(
        label="问答记录",
        show_label=False,
        elem_id="tx-chat",
        height="62vh",
        min_height=320,
        # The replies are our own escaped HTML; Gradio's sanitizer stays on as a second wall.
        sanitize_html=True,
        render_markdown=False,
        allow_tags=False,
        latex_delimiters=[],
        buttons=[],  # each reply has its own plain-text copy button
        feedback_options=("Like", "Dislike") if feedback else None,
        layout="bubble",
        autoscroll=False,  # the page script brings the newest question and reply into view instead
        placeholder=(
            "<div class='tx-empty'><b>请提一个关于太忻经济区的问题</b><br>"
            "例如：阳曲县的发展目标是什么？（中文或英文均可）</div>"
        ),
    )


def _layout(engine: Any, feedback: bool) -> _Page:
    interviews = list(engine.corpus.interviews)
    speakers = [(ALL, ALL)] + [(f"{iv.speaker}（{iv.district}）", iv.speaker) for iv in interviews]
    districts = [ALL] + list(dict.fromkeys(d for iv in interviews for d in iv.districts))
    _masthead(engine)
    stored = gr.BrowserState({"v": 1, "turns": []}, storage_key=STORAGE_KEY, secret=_STORAGE_SECRET)
    chatbot = _chatbot(feedback)
    with gr.Row(elem_id="tx-ask-row", equal_height=True):
        box = gr.Textbox(
            placeholder="输入问题，按回车提问",
            label="问题",
            show_label=False,
            lines=1,
            max_lines=4,
            max_length=2000,
            scale=5,
            elem_id="tx-question",
            autofocus=True,
            interactive=False,  # until the stored conversation is back (Chat.restore)
            submit_btn=False,
        )
        send = gr.Button("提问", variant="primary", scale=1, min_width=72, elem_id="tx-send", interactive=False)
    with gr.Row(elem_id="tx-filter-row"):
        chips = gr.HTML(_chips(None, None), elem_id="tx-chips", padding=False)
        with gr.Accordion("筛选", open=False, elem_id="tx-filters"):
            speaker = gr.Dropdown(speakers, value=ALL, label="受访者", interactive=True, elem_id="tx-speaker")
            district = gr.Dropdown(districts, value=ALL, label="区县", interactive=True, elem_id="tx-district")
            k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="出处段落数", interactive=True)
    with gr.Row(elem_id="tx-examples"):
        gr.HTML('<span class="tx-side-note">试试：</span>', padding=False)
        examples = [gr.Button(q, size="sm", variant="secondary", interactive=False) for q in EXAMPLES]
    with gr.Row(elem_id="tx-tools"):
        export = gr.Button("导出对话（Markdown）", size="sm", variant="secondary", elem_id="tx-export")
        clear = gr.Button("清空对话", size="sm", variant="secondary", elem_id="tx-clear")
    alone_box = gr.Textbox(visible="hidden", elem_id="tx-alone-q", label="单独提问")
    alone_go = gr.Button("单独提问", visible="hidden", elem_id="tx-alone-go")
    gr.HTML(
        '<footer id="tx-footer">回答为版面原句摘录，不作改写或推测；版面没有谈到的问题会直接说明。'
        '对话只保存在你的浏览器里。接口说明：<a href="docs" target="_blank">/docs</a></footer>',
        padding=False,
    )
    return _Page(stored, chatbot, box, send, chips, speaker, district, k, examples, export, clear, alone_box, alone_go)


def _wire(page: _Page, chat: Chat) -> None:
    """The page's events; all private except the ``ask`` endpoint, which is registered first to keep its name."""
    gr.api(chat.api_ask, api_name="ask")
    inputs = [page.box, page.stored, page.speaker, page.district, page.k]
    outputs = [page.box, page.chatbot, page.stored]
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    page.box.submit(chat.ask, inputs, outputs, **quiet)
    page.send.click(chat.ask, inputs, outputs, **quiet)
    for button, q in zip(page.examples, EXAMPLES, strict=True):
        button.click(partial(chat.ask, q), inputs[1:], outputs, **quiet)
    page.alone_go.click(
        chat.ask_alone, [page.alone_box, *inputs[1:]], [page.alone_box, page.chatbot, page.stored], **quiet
    )
    page.export.click(
        None, None, None, js="() => window.taixinExport && window.taixinExport()", api_visibility="private"
    )
    empty = _store([])
    cheap: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None}
    page.clear.click(lambda: ([], empty), None, [page.chatbot, page.stored], **cheap)
    page.chatbot.clear(lambda: empty, None, page.stored, **cheap)
    for dropdown in (page.speaker, page.district):
        dropdown.change(_chips, [page.speaker, page.district], page.chips, show_progress="hidden", **cheap)
    if chat.feedback is not None:
        page.chatbot.like(chat.vote, page.stored, None, **cheap)


def build_app(
    engine: Any,
    feedback: FeedbackLog | None = None,
    label: Callable[[Any], str] = passage_label,
) -> gr.Blocks:
    """The chat page over an opened engine. ``feedback`` turns the 👍/👎 buttons on."""
    chat = Chat(engine, feedback, label)
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=False) as demo:
        page = _layout(engine, feedback is not None)
        _wire(page, chat)
        # Cheap events never wait behind answers in the queue.
        asking = [page.box, page.send, *page.examples]
        demo.load(
            chat.restore,
            [page.stored, *asking],
            [page.chatbot, *asking],
            api_visibility="private",
            concurrency_limit=None,
        )
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_MAX_SIZE)
    return demo
