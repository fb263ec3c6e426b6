"""Read-only pages a source links to: the verbatim page around a passage, and a whole interview.

``GET /page/{passage_id}`` shows the page text exactly as extracted, scrolled
to the lines the passage is made of and highlighting them, with the
reconstruction notes that concern it. ``GET /interview/{interview_id}`` shows
the interview as the corpus rebuilt it, paragraph by paragraph, with the
linked paragraph marked. All text is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from taixin_qa.chunking import Passage
from taixin_qa.corpus import Corpus
from taixin_qa.errors import TaixinError
from taixin_qa.provenance import PageLocation, page_location, paragraph_label
from taixin_qa.web.render import passage_label

__all__ = ["add_pages", "corpus_labels", "render_api_docs", "render_interview", "render_page_location"]

_STYLE = """
:root { color-scheme: light dark; --ink: #1f1d1a; --muted: #6b645a; --red: #9e1b1b; --paper: #fbf8f1;
        --rule: #d9d1c3; --mark: #f6e3a1; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #ece6da; --muted: #b3aa9b; --red: #f08a7e; --paper: #1b1a18; --rule: #4a443b; --mark: #6b5a1e; } }
body { background: var(--paper); color: var(--ink); margin: 0 auto; max-width: 860px; padding: 12px 16px 40px;
       font: 16px/1.8 "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", serif; }
header { border-top: 4px solid var(--red); border-bottom: 1px solid var(--rule); margin-bottom: 12px; }
h1 { font-size: 1.3rem; color: var(--red); margin: 8px 0 4px; }
.sub { color: var(--muted); font-size: .9rem; margin: 0 0 8px; font-family: system-ui, sans-serif; }
.notes { border-left: 3px solid var(--red); padding: 2px 10px; margin: 10px 0; font-size: .92rem; }
.notes p { margin: 4px 0; }
table { border-collapse: collapse; font: .9rem/1.5 system-ui, sans-serif; margin: 6px 0; width: 100%; }
td, th { border-bottom: 1px solid var(--rule); padding: 3px 8px; text-align: left; vertical-align: top; }
pre { background: var(--mark); padding: 8px; overflow-x: auto; font-size: .85rem; white-space: pre-wrap; }
h2 { font-size: 1.1rem; margin: 24px 0 4px; } h3 { font-size: .95rem; margin: 10px 0 2px; color: var(--muted); }
ol.lines { list-style: none; padding: 0; margin: 0; font-size: .95rem; }
ol.lines li { display: flex; gap: 10px; padding: 0 4px; }
ol.lines li .n { color: var(--muted); min-width: 3.2em; text-align: right; font: .8rem/2.2 ui-monospace, monospace; }
ol.lines li.hl { background: var(--mark); }
ol.lines li:target { outline: 2px solid var(--red); }
article p { margin: .6em 0; padding: 2px 6px; }
article p .label { color: var(--muted); font-size: .8rem; margin-right: .6em; font-family: system-ui, sans-serif; }
article p:target { background: var(--mark); }
a { color: var(--red); }
"""


def _page(title: str, body: str) -> str:
    e = html.escape
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def render_page_location(loc: PageLocation) -> str:
    """The whole verbatim page, the passage's lines highlighted, the first of them in view."""
    e = html.escape
    marked = set(loc.highlight)
    items = []
    for n, line in enumerate(loc.page_lines, 1):
        if not line.strip():
            continue
        cls = ' class="hl"' if n in marked else ""
        items.append(f'<li id="L{n}"{cls}><span class="n">{n}</span><span>{e(line)}</span></li>')
    where = "、".join(str(n) for n in loc.highlight) or "未找到"
    rejoined = "（这段在版面上被分栏打断，以下各行按阅读顺序拼合）" if loc.rejoined else ""
    notes = "".join(f"<p>{e(n)}</p>" for n in (*loc.notes, *loc.interview_notes))
    notes_html = f'<div class="notes"><p><b>整理说明</b></p>{notes}</div>' if notes else ""
    first = loc.first_line
    body = (
        f'<header><h1>原版面 · {e(loc.label)}</h1><p class="sub">{e(loc.source)}，第 {e(where)} 行{rejoined}。'
        f' <a href="../interview/{e(loc.interview_id)}#{e(loc.passage_id)}">整篇专访</a></p></header>'
        f'{notes_html}<ol class="lines">{"".join(items)}</ol>'
        # Scroll the first highlighted line to the middle of the window, not to its top edge.
        f"<script>(function(){{var el=document.getElementById('L{first}');"
        f"if(el)el.scrollIntoView({{block:'center'}});}})();</script>"
    )
    return _page(f"原版面 · {loc.label}", body)


def render_interview(corpus: Corpus, interview_id: str) -> str:
    """One interview as rebuilt from the page: headline, byline, every paragraph with its label."""
    e = html.escape
    iv = corpus.interview(interview_id)
    paragraphs = "".join(
        f'<p id="{e(p.id)}"><span class="label">{e(paragraph_label(iv, p))}</span>{e(p.text)}'
        f' <a href="../page/{e(p.id)}" aria-label="原版面位置">原版面</a></p>'
        for p in iv.paragraphs
    )
    parts = [
        f"<header><h1>{e(iv.headline or iv.speaker)}</h1>"
        f'<p class="sub">{e(iv.speaker)}，{e(iv.role)}{" · " + e(iv.byline) if iv.byline else ""}</p></header>'
    ]
    if iv.subtitle:
        parts.append(f'<p class="sub">{e(iv.subtitle)}</p>')
    parts.append(f"<article>{paragraphs}</article>")
    return _page(f"{iv.speaker}专访", "".join(parts))


def corpus_labels(engine: Any) -> Callable[[Passage], str]:
    """Names for sources as a reader counts paragraphs ("裴耀军专访 第3段"), from the engine's corpus.

    Falls back to the passage id's number for a passage the corpus does not list.
    """
    cache: dict[str, str] = {}

    def label(passage: Passage) -> str:
        if passage.id not in cache:
            try:
                cache[passage.id] = page_location(engine.corpus, passage.id).label
            except TaixinError:
                cache[passage.id] = passage_label(passage)
        return cache[passage.id]

    return label


_EXAMPLES = {
    "/api/ask": '{"question": "万柏林区第一年计划完成多少投资？"}',
    "/api/search": '{"question": "阳曲县的发展目标是什么？", "k": 3}',
    "/v1/chat/completions": '{"model": "taixin-qa", "messages": [{"role": "user", "content": "谁说要当排头兵？"}]}',
}


def _schema_rows(schema: dict[str, Any], components: dict[str, Any], response: bool = False) -> str:
    """A table of a JSON schema's fields: name, type, default and description."""
    e = html.escape
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        kinds = [x.get("type") or x.get("$ref", "").rsplit("/", 1)[-1] for x in field.get("anyOf", [field])]
        kind = " | ".join(k for k in kinds if k) or "object"
        if field.get("type") == "array":
            items = field.get("items", {})
            kind = f"array of {items.get('type') or items.get('$ref', '').rsplit('/', 1)[-1] or 'any'}"
        if response:
            default = ""
        elif name in required:
            default = "必填 required"
        else:
            default = e(json.dumps(field.get("default"), ensure_ascii=False))
        rows.append(
            f"<tr><td><code>{e(name)}</code></td><td>{e(kind)}</td><td>{default}</td>"
            f"<td>{e(field.get('description', ''))}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<table><tr><th>字段 field</th><th>类型 type</th><th>默认 default</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_api_docs(schema: dict[str, Any]) -> str:
    """The API reference from the OpenAPI schema, as one page that loads nothing from the internet."""
    e = html.escape
    components = schema.get("components", {}).get("schemas", {})
    parts = [
        f"<header><h1>{e(schema['info']['title'])} {e(schema['info']['version'])}</h1>"
        f'<p class="sub">{e(schema["info"].get("description", ""))} '
        f'机器可读的描述 / machine-readable: <a href="openapi.json">/openapi.json</a></p></header>'
    ]
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            parts.append(f"<h2><code>{method.upper()} {e(path)}</code></h2><p>{e(op.get('summary', ''))}</p>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                parts.append("<h3>请求 request</h3>" + _schema_rows(body, components))
            ok = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            if ok.get("schema"):
                parts.append("<h3>回答 response</h3>" + _schema_rows(ok["schema"], components, response=True))
            if path in _EXAMPLES:
                curl = f"curl -s http://127.0.0.1:7860{path} -H 'Content-Type: application/json' -d '{_EXAMPLES[path]}'"
                parts.append(f"<pre>{e(curl)}</pre>")
    parts.append(
        '<p class="sub">错误 errors: 4xx JSON <code>{"error": {"message", "type", "param"}}</code>, '
        "in the language of the question.</p>"
    )
    return _page(schema["info"]["title"], "".join(parts))


def add_pages(app: FastAPI, engine: Any) -> None:
    """``GET /page/{passage_id}`` and ``GET /interview/{interview_id}`` over the engine's corpus."""
    router = APIRouter(include_in_schema=False)

    def not_found(exc: TaixinError) -> HTMLResponse:
        return HTMLResponse(_page("未找到", f"<p>{html.escape(str(exc))}</p>"), status_code=404)

    @router.get("/page/{passage_id}", response_class=HTMLResponse)
    def page(passage_id: str) -> HTMLResponse:
        try:
            return HTMLResponse(render_page_location(page_location(engine.corpus, passage_id[:200])))
        except TaixinError as exc:
            return not_found(exc)

    @router.get("/interview/{interview_id}", response_class=HTMLResponse)
    def interview(interview_id: str) -> HTMLResponse:
        try:
            return HTMLResponse(render_interview(engine.corpus, interview_id[:200]))
        except TaixinError as exc:
            return not_found(exc)

    @router.get("/docs", response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_api_docs(app.openapi()))

    app.include_router(router)
