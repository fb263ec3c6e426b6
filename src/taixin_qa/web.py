"""The browser chat: a thin Gradio 6 layer over :meth:`taixin_qa.engine.Engine.answer`.

    python app.py                       # http://127.0.0.1:7860
    python app.py --host 0.0.0.0 --port 8080
    TAIXIN_QA_HOST=0.0.0.0 TAIXIN_QA_PORT=8080 python app.py

No retrieval logic lives here: the engine finds the passages, picks the
sentences and resolves follow-up questions; this module only shows them.

Safety: every piece of corpus and user text goes through :func:`html.escape`
before any markup is added, the chatbot keeps Gradio's HTML sanitizer on and
renders no Markdown, no LaTeX and no custom tags, and uploads are refused, so
the app never writes files.

Besides the chat there is a JSON endpoint for programs::

    from gradio_client import Client
    Client("http://127.0.0.1:7860/").predict("阳曲县的发展目标是什么？", [], api_name="/ask")
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import re
import sys
from typing import Any, Iterable, Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry or version checks: no network

import gradio as gr  # noqa: E402

from taixin_qa.answering import Answer
from taixin_qa.chunking import Passage
from taixin_qa.errors import TaixinError

log = logging.getLogger(__name__)

TITLE = "太忻经济区 · 书记访谈问答"
ALL = "全部"
DEFAULT_K = 5
MAX_K = 10
EXAMPLES = (
    "阳曲县的发展目标是什么？",
    "万柏林区第一年计划投资多少？",
    "谁说要当排头兵？",
    "迎泽区要打造哪五大融合载体？",
    "What does Gujiao plan for new energy?",
)
FRIENDLY_ERROR = "抱歉，这个问题暂时没能回答，请换个说法或稍后再试。"

# Queue: the encoder runs one question at a time behind the engine's lock and a
# question costs ~0.1 s of CPU, so more than a few workers only add threads
# that wait on that lock; 4 lets the cheap parts (parsing, BM25, rendering)
# of several questions overlap. 256 waiting events is minutes of work at
# worst; past that a user is told the queue is full instead of waiting forever.
CONCURRENCY_LIMIT = 4
QUEUE_MAX_SIZE = 256

_SANS = ['"Noto Sans CJK SC"', '"Source Han Sans SC"', '"PingFang SC"', '"Hiragino Sans GB"',
         '"Microsoft YaHei"', '"WenQuanYi Micro Hei"', "system-ui", "sans-serif"]
_SERIF = ['"Noto Serif CJK SC"', '"Source Han Serif SC"', '"Songti SC"', '"STSong"', '"SimSun"', "serif"]

CSS = """
:root { --tx-ink: #1f1d1a; --tx-muted: #6b645a; --tx-red: #9e1b1b; --tx-paper: #fbf8f1;
        --tx-rule: #d9d1c3; --tx-mark: #f6e3a1; }
.gradio-container { background: var(--tx-paper) !important; max-width: 1200px !important; margin: 0 auto !important; }
#tx-masthead { border-top: 4px solid var(--tx-red); border-bottom: 1px solid var(--tx-rule);
               padding: 14px 4px 12px; margin-bottom: 6px; }
#tx-masthead h1 { font-family: SERIF; font-size: 2.1rem; font-weight: 700; color: var(--tx-red);
                  letter-spacing: .06em; margin: 0 0 6px; line-height: 1.25; }
#tx-masthead p { font-size: 1rem; color: var(--tx-muted); margin: 0; line-height: 1.7; }
#tx-masthead p b { color: var(--tx-ink); font-weight: 600; }
.tx-reply { font-size: 1rem; line-height: 1.8; color: var(--tx-ink); }
.tx-answer p { font-family: SERIF; font-size: 1.06rem; margin: 0 0 .5em; }
.tx-who { color: var(--tx-red); font-family: SANS; font-size: .95rem; white-space: nowrap; }
.tx-notice { color: var(--tx-muted); font-size: .9rem; margin: 0 0 .4em; }
.tx-plain { margin: 0; }
.tx-sources { border-top: 1px dashed var(--tx-rule); margin-top: .6em; padding-top: .4em; }
.tx-sources-title { font-size: .85rem; color: var(--tx-muted); margin: 0 0 .3em; letter-spacing: .05em; }
.tx-sources details { border-left: 3px solid var(--tx-rule); margin: .35em 0; padding: .1em 0 .1em .7em; }
.tx-sources details[open] { border-left-color: var(--tx-red); }
.tx-sources summary { cursor: pointer; font-size: .92rem; line-height: 1.6; }
.tx-sources summary .tx-n { color: var(--tx-red); font-weight: 700; margin-right: .3em; }
.tx-sources summary .tx-meta { color: var(--tx-muted); }
.tx-sources summary .tx-score { color: var(--tx-muted); font-size: .8rem; margin-left: .4em; }
.tx-sources .tx-text { font-family: SERIF; font-size: .98rem; margin: .35em 0 .5em; }
.tx-reply mark { background: var(--tx-mark); color: inherit; padding: 0 .08em; border-radius: 2px; }
#tx-side .tx-side-note { font-size: .85rem; color: var(--tx-muted); line-height: 1.6; }
#tx-examples { flex-wrap: wrap !important; gap: 6px 8px !important; align-items: center !important; }
#tx-examples > * { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; }
#tx-examples button { font-size: .9rem !important; padding: 4px 12px !important; border-radius: 14px !important;
                      background: #fff !important; border: 1px solid var(--tx-rule) !important; }
#tx-examples button:hover { border-color: var(--tx-red) !important; color: var(--tx-red) !important; }
#tx-footer { font-size: .8rem; color: var(--tx-muted); border-top: 1px solid var(--tx-rule);
             padding-top: 8px; margin-top: 6px; }
.dark .gradio-container { background: var(--body-background-fill) !important; }
.dark .tx-reply, .dark .tx-answer p { color: var(--body-text-color); }
.dark .tx-reply mark { background: #6b5a1e; }
""".replace("SERIF", ", ".join(_SERIF)).replace("SANS", ", ".join(_SANS))


def theme() -> gr.themes.Base:
    """Calm, paper-like; only local fonts, so the page loads nothing from the internet."""
    return gr.themes.Default(
        primary_hue=gr.themes.colors.red, neutral_hue=gr.themes.colors.stone,
        font=[f.strip('"') for f in _SANS], font_mono=["ui-monospace", "monospace"],
        radius_size=gr.themes.sizes.radius_sm,
    ).set(body_background_fill="#fbf8f1", block_background_fill="#ffffff",
          button_primary_background_fill="#9e1b1b", button_primary_background_fill_hover="#7f1414",
          button_primary_text_color="#ffffff")


# -- rendering (pure functions, tested without a server) -----------------------

def highlight_terms(tokenizer: Any, *questions: str) -> list[str]:
    """Words of the question(s) worth marking in a passage: no single characters, longest first."""
    terms: set[str] = set()
    for q in questions:
        if not q:
            continue
        for t in [*tokenizer.cut(q), *tokenizer.cut_for_search(q)]:
            t = t.strip()
            if len(t) >= 2 and not (t.isascii() and len(t) < 3):
                terms.add(t)
    return sorted(terms, key=lambda t: (-len(t), t))


def highlight(text: str, terms: Iterable[str]) -> str:
    """``text`` HTML-escaped, with each occurrence of a term wrapped in <mark>.

    Matching runs on the raw text and every piece is escaped on its own, so a
    term can never cut into an entity or smuggle markup in.
    """
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_source(n: int, passage: Passage, terms: Sequence[str]) -> str:
    e = html.escape
    kind = "图片说明 · " if passage.kind == "caption" else ""
    headline = f" · 《{e(passage.headline)}》" if passage.headline else ""
    return (f'<details class="tx-source"><summary><span class="tx-n">{n}</span>'
            f'<b>{e(passage.speaker)}</b> <span class="tx-meta">{kind}{e(passage.role)} · {e(passage.district)}'
            f'{headline}</span><span class="tx-score">相关度 {passage.score:.2f}</span></summary>'
            f'<p class="tx-text">{highlight(passage.text, terms)}</p></details>')


def render_answer(ans: Answer, terms: Sequence[str] = (), hint: str = "") -> str:
    """One chat reply as HTML: the answer sentences with who said them, then the sources.

    When the page does not cover the question there are no sources, only the engine's text.
    """
    e = html.escape
    if not ans.found:
        body = "".join(f'<p class="tx-plain">{e(line)}</p>' for line in ans.text.splitlines() if line.strip())
        if hint:
            body += f'<p class="tx-notice">{e(hint)}</p>'
        return f'<div class="tx-reply tx-not-found">{body}</div>'
    parts = ['<div class="tx-reply">']
    if ans.notice:
        parts.append(f'<p class="tx-notice">{e(ans.notice)}</p>')
    parts.append('<div class="tx-answer">')
    if ans.sentences:
        for s in ans.sentences:
            parts.append(f'<p>{e(s.text)}<span class="tx-who">（{e(s.passage.attribution)}）</span></p>')
    else:
        parts.extend(f"<p>{e(line)}</p>" for line in ans.text.splitlines() if line.strip())
    parts.append("</div>")
    if ans.passages:
        parts.append(f'<div class="tx-sources"><p class="tx-sources-title">出处：版面原文 {len(ans.passages)} 段'
                     f"（点击展开）</p>")
        parts.extend(render_source(i, p, terms) for i, p in enumerate(ans.passages, 1))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def render_message(text: str) -> str:
    """A plain message (user question, error) as safe HTML."""
    return "<br>".join(html.escape(line) for line in str(text).splitlines()) or "&nbsp;"


def _filter_value(value: Any) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return None if not value or value == ALL else str(value)


def _history_list(history: Any) -> list[str]:
    """The ``history`` argument of /ask: a list of questions, a JSON list, or empty."""
    if history in (None, "", []):
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except ValueError:
            return [history]
        if isinstance(history, str):
            return [history]
    if not isinstance(history, list):
        raise TaixinError("history must be a list of earlier questions, e.g. [\"万柏林区第一年计划完成多少投资？\"].")
    out = []
    for item in history:
        if isinstance(item, dict):  # Gradio messages also work
            if item.get("role") == "user":
                out.append(str(item.get("content", "")))
        elif item is not None:
            out.append(str(item))
    return out


# -- the app -------------------------------------------------------------------

def build_app(engine: Any) -> gr.Blocks:
    """The chat UI and the /ask endpoint over an opened engine."""
    interviews = list(engine.corpus.interviews)
    speakers = [(ALL, ALL)] + [(f"{iv.speaker}（{iv.district}）", iv.speaker) for iv in interviews]
    districts = [ALL] + list(dict.fromkeys(d for iv in interviews for d in iv.districts))
    names = "、".join(f"{iv.speaker}（{iv.district}）" for iv in interviews)

    def answer(question: str, history: list[str], k: int, speaker: str | None, district: str | None) -> Answer:
        engine.reload_if_changed()
        return engine.answer(question, history=history, k=k, speaker=speaker, district=district)

    def filters_clash(speaker: str | None, district: str | None) -> bool:
        if not (speaker and district):
            return False
        return not (engine.resolve("speaker", speaker) & engine.resolve("district", district))

    def chat(message: str, messages: list | None, questions: list | None, speaker: str, district: str,
             k: float) -> tuple[str, list, list]:
        messages = list(messages or [])
        questions = list(questions or [])
        message = (message or "").strip()
        if not message:
            return "", messages, questions
        messages.append({"role": "user", "content": render_message(message)})
        speaker_f, district_f = _filter_value(speaker), _filter_value(district)
        try:
            if filters_clash(speaker_f, district_f):
                reply = render_message(f"所选受访者“{speaker_f}”不负责“{district_f}”。请把其中一个筛选改为“{ALL}”。")
            else:
                ans = answer(message, questions, int(k or DEFAULT_K), speaker_f, district_f)
                terms = highlight_terms(engine.tokenizer, message, ans.question)
                hint = ""
                if not ans.found and (speaker_f or district_f):
                    hint = f"（当前只在“{speaker_f or district_f}”的访谈中查找；可把筛选改为“{ALL}”再试。）"
                reply = render_answer(ans, terms, hint)
        except TaixinError as exc:
            log.info("question refused: %s", exc)
            reply = render_message(str(exc))
        except Exception:
            log.exception("chat failed for %r", message)
            reply = render_message(FRIENDLY_ERROR)
        questions.append(message)
        messages.append({"role": "assistant", "content": reply})
        return "", messages, questions

    def ask(question: str, history: list[str] | str | None = None, k: int = DEFAULT_K,
            speaker: str | None = None, district: str | None = None) -> dict:
        """Answer a question about the page. history: earlier questions of the conversation (list or JSON list).

        Returns {"answer", "found", "notice", "question", "sentences": [{"text", "speaker", "role",
        "district", "passage_id"}], "passages": [...]}; on a bad request {"answer": message, "found": false,
        "error": message}.
        """
        try:
            ans = answer(str(question or ""), _history_list(history), max(1, min(int(k or DEFAULT_K), MAX_K)),
                         _filter_value(speaker), _filter_value(district))
        except TaixinError as exc:
            return {"answer": str(exc), "found": False, "sentences": [], "passages": [], "error": str(exc)}
        except Exception:
            log.exception("/ask failed for %r", question)
            return {"answer": FRIENDLY_ERROR, "found": False, "sentences": [], "passages": [],
                    "error": FRIENDLY_ERROR}
        out = ans.to_dict()
        out["answer"] = out.pop("text")
        return out

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(f'<div id="tx-masthead"><h1>{html.escape(TITLE)}</h1>'
                f"<p>问答对象：本版<b>六位太原市县（市、区）委书记</b>谈太忻经济区建设的专访——"
                f"{html.escape(names)}。<br>每个回答都摘自版面原文，并注明是谁说的。</p></div>",
                padding=False)
        questions = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    label="问答", show_label=False, elem_id="tx-chat", height=None, min_height=360,
                    max_height=760, sanitize_html=True, render_markdown=False, allow_tags=False,
                    latex_delimiters=[], buttons=["copy"], feedback_options=None, layout="bubble",
                    placeholder=("<div style='text-align:center'><b>请提一个关于太忻经济区的问题</b><br>"
                                 "例如：阳曲县的发展目标是什么？（中文或英文均可）</div>"),
                )
                with gr.Row():
                    box = gr.Textbox(placeholder="输入问题，按回车提问（如：万柏林区第一年计划投资多少？）",
                                     show_label=False, lines=1, max_lines=4, max_length=2000, scale=5,
                                     elem_id="tx-question", autofocus=True, submit_btn=False)
                    send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="tx-send")
                with gr.Row(elem_id="tx-examples"):
                    gr.HTML('<span class="tx-side-note">试试：</span>', padding=False)
                    example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
            with gr.Column(scale=1, min_width=240, elem_id="tx-side"):
                gr.Markdown("**筛选（可选）**")
                speaker = gr.Dropdown(speakers, value=ALL, label="受访者", interactive=True)
                district = gr.Dropdown(districts, value=ALL, label="区县", interactive=True)
                k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="出处段落数", interactive=True)
                clear = gr.Button("清空对话", variant="secondary", size="sm")
                gr.HTML('<p class="tx-side-note">接着上一问追问也可以，例如先问“万柏林区第一年计划完成多少投资？”，'
                        "再问“那古交呢？”。</p>", padding=False)
        gr.HTML('<div id="tx-footer">回答为版面原句摘录，不作改写或推测；版面没有谈到的问题会直接说明。</div>',
                padding=False)

        inputs = [box, chatbot, questions, speaker, district, k]
        outputs = [box, chatbot, questions]
        box.submit(chat, inputs, outputs, api_name="chat")
        send.click(chat, inputs, outputs, api_visibility="private")
        for button, q in zip(example_buttons, EXAMPLES):
            button.click(lambda m, *rest, q=q: chat(q, m, *rest), inputs[1:], outputs, api_visibility="private")
        clear.click(lambda: ("", [], []), None, outputs, api_visibility="private", queue=False)
        # The chatbot's own trash icon must forget the follow-up context too.
        chatbot.clear(lambda: [], None, questions, api_visibility="private", queue=False)
        gr.api(ask, api_name="ask")

    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_MAX_SIZE)
    return demo


class _NoUploads:
    """ASGI middleware refusing Gradio's upload route: the app has no file inputs and writes no files."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("path", "").rstrip("/").endswith("/upload"):
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"uploads are disabled"})
            return
        await self.app(scope, receive, send)


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


class _CleanJson:
    """ASGI middleware: a JSON body may escape lone surrogates ("\\ud800"), which no
    UTF-8 encoder downstream accepts; they become "?" before Gradio sees them."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _ESCAPED_SURROGATE.search(body):
            try:
                body = json.dumps(_without_surrogates(json.loads(body))).encode("utf-8")
            except ValueError:
                pass  # not JSON: pass it on unchanged and let Gradio answer
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers}, replay, send)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, *,
           prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Serve ``demo`` locally: no share link, no tracebacks to users, no uploads, no SSR."""
    from starlette.middleware import Middleware

    return demo.launch(
        server_name=host or default_host(), server_port=port or default_port(), share=False,
        show_error=False, prevent_thread_lock=prevent_thread_lock, quiet=quiet, ssr_mode=False,
        pwa=False, mcp_server=False, enable_monitoring=False, footer_links=["api"],
        app_kwargs={"middleware": [Middleware(_NoUploads), Middleware(_CleanJson)]},
        theme=theme(), css=CSS,
    )


def default_host() -> str:
    return os.environ.get("TAIXIN_QA_HOST") or "127.0.0.1"


def default_port() -> int:
    return int(os.environ.get("TAIXIN_QA_PORT") or 7860)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="taixin-qa-web", description=f"{TITLE}: the browser chat.")
    parser.add_argument("--host", default=default_host(),
                        help="Address to listen on (default: $TAIXIN_QA_HOST or 127.0.0.1).")
    parser.add_argument("--port", type=int, default=default_port(),
                        help="Port (default: $TAIXIN_QA_PORT or 7860).")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from taixin_qa.engine import default_engine

    try:
        engine = default_engine().open()  # model and index load now, not on the first question
    except TaixinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    launch(build_app(engine), args.host, args.port)


if __name__ == "__main__":
    main()
