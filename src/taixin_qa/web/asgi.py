"""ASGI middleware that bounds what the server accepts, before any route or framework sees it.

- Only the POST routes the page and the API need are open (:data:`POST_ROUTES`);
  every other write (Gradio's upload and recording routes among them) gets 403.
- A request body must be JSON and at most ``max_body`` bytes: 415 or 413
  otherwise, answered from the headers when they say so, else as soon as the
  count passes the limit. Nothing else is ever buffered.
- A JSON body may escape lone surrogates ("\\ud800"), which no UTF-8 encoder
  downstream accepts; they become U+FFFD in the raw text, without parsing, so
  deep nesting cannot recurse. Nesting deeper than :data:`MAX_JSON_DEPTH` is 400.
- The chat page says it is Chinese (``lang``) and previews as itself, not as "Gradio".

Errors are JSON in the shape the API uses: ``{"error": {"message", "type"}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "POST_ROUTES",
    "PageHead",
    "RequestGuard",
    "json_depth",
    "replace_lone_surrogates",
]

# The routes a browser on the chat page and an API client need. Gradio's page
# joins its queue and may cancel; gradio_client's /ask goes through the queue
# or /call; the JSON API and the OpenAI-compatible route are ours.
POST_ROUTES: frozenset[str] = frozenset(
    {
        "/gradio_api/queue/join",
        "/gradio_api/cancel",
        "/gradio_api/call/ask",
        "/api/ask",
        "/api/search",
        "/v1/chat/completions",
    }
)
# A chat request carries the conversation shown so far (rendered replies); 30
# turns (the cap in app.py) stay well under this. An API question is at most a few kB.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 64
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# An escaped backslash, or a \uD800-\uDFFF escape optionally followed by a
# second one: scanning left to right keeps "\\ud800" (a literal backslash) intact.
_ESCAPES = re.compile(
    rb"\\\\|\\u[dD]([89abAB])[0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def replace_lone_surrogates(body: bytes) -> bytes:
    """JSON text with every escaped lone surrogate replaced by ``\\ufffd``; pairs and other text unchanged.

    >>> replace_lone_surrogates(rb'{"q": "\\ud800", "ok": "\\ud83d\\ude00"}')
    b'{"q": "\\\\ufffd", "ok": "\\\\ud83d\\\\ude00"}'
    """
    if b"\\u" not in body and b"\\U" not in body:
        return body

    def fix(m: re.Match[bytes]) -> bytes:
        token = m.group(0)
        if token == b"\\\\" or m.group(2):
            return token  # an escaped backslash, or a high surrogate followed by its low half
        return b"\\ufffd"

    return _ESCAPES.sub(fix, body)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(body: bytes, stop_at: int = MAX_JSON_DEPTH) -> int:
    """How deeply arrays and objects nest in a JSON text (strings ignored); stops counting past ``stop_at``."""
    depth = deepest = 0
    for ch in _STRING.sub(b'""', body):
        if ch in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
        elif ch in b"]}":
            depth -= 1
    return deepest


async def _send_error(
    send: Send,
    status: int,
    message: str,
    kind: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    body = json.dumps({"error": {"message": message, "type": kind}}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _route(path: str) -> str:
    return path.rstrip("/") or "/"


class RequestGuard:
    """Allowlisted writes, bounded JSON bodies, lone surrogates neutralised (see the module docstring)."""

    def __init__(self, app: ASGIApp, routes: Iterable[str] = POST_ROUTES, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.routes = frozenset(_route(r) for r in routes)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET") in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if scope.get("method") != "POST" or _route(scope.get("path", "")) not in self.routes:
            await _send_error(
                send,
                403,
                f"{scope.get('method')} {scope.get('path', '')[:200]} is not accepted "
                "here; this server writes nothing and takes JSON only on its API routes.",
                "forbidden",
            )
            return
        if _header(scope, b"content-type").split(";")[0].strip().lower() != "application/json":
            await _send_error(
                send, 415, "The request body must be JSON (Content-Type: application/json).", "unsupported_media_type"
            )
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body:
            await _send_error(
                send,
                413,
                f"The request body is {int(declared)} bytes; the limit is {self.max_body}.",
                "request_too_large",
            )
            return
        body = await self._read(receive)
        if body is None:
            await _send_error(
                send, 413, f"The request body is larger than the limit of {self.max_body} bytes.", "request_too_large"
            )
            return
        # Few brackets cannot nest deeply: the exact count runs only when there are many.
        if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
            await _send_error(send, 400, f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", "invalid_json")
            return
        body = replace_lone_surrogates(body)
        await self.app(self._with_length(scope, len(body)), _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    @staticmethod
    def _with_length(scope: Scope, length: int) -> Scope:
        headers = [
            (k, v) for k, v in scope.get("headers", []) if k.lower() not in (b"content-length", b"transfer-encoding")
        ]
        headers.append((b"content-length", str(length).encode()))
        return {**scope, "headers": headers}


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class PageHead:
    """Rewrites the chat page's HTML shell: Chinese ``lang`` and a link preview of this app, not Gradio's."""

    def __init__(self, app: ASGIApp, title: str, description: str):
        self.app = app
        self.replacements = [
            (b'lang="en"', b'lang="zh-CN"'),
            (b'content="Gradio"', _attr(title)),
            (b'content="Click to try out the app!"', _attr(description)),
            (b'content="@Gradio"', b'content=""'),
            (b'content="@teamGradio"', b'content=""'),
            (b'content="https://gradio.app/"', b'content=""'),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or _route(scope.get("path", "")) != "/":
            await self.app(scope, receive, send)
            return
        # Ask for the page uncompressed so its text can be edited; it is small.
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            kind = dict((k.lower(), v) for k, v in start.get("headers", [])).get(b"content-type", b"")
            if kind.startswith(b"text/html"):
                for old, new in self.replacements:
                    body = body.replace(old, new)
            out = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            out.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": out})
            await send({"type": "http.response.body", "body": body})

        await self.app({**scope, "headers": headers}, receive, capture)


def _attr(text: str) -> bytes:
    from html import escape

    return f'content="{escape(text)}"'.encode()
