"""Start the server: the chat page, the JSON API and the read-only page views in one process.

    taixin-qa serve [--host 127.0.0.1] [--port 7860] [--feedback votes.jsonl]
    python -m taixin_qa serve        # the same
    python app.py                    # the same, for the design's entry point

Start-up checks come first and are cheap: the port and host are validated and
the socket is bound *before* the model loads, so a port in use or a bad
address costs a second, not a model load, and ends in one line and exit 2.

Routes: ``/`` (chat), ``/api/ask``, ``/api/search``, ``/v1/chat/completions``,
``/v1/models``, ``/docs`` and ``/openapi.json``, ``/page/{passage_id}``,
``/interview/{interview_id}``, and Gradio's own assets and queue under
``/gradio_api``. The only writes accepted are listed in
:data:`taixin_qa.web.asgi.POST_ROUTES`.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taixin_qa.errors import TaixinError

__all__ = ["create_app", "listen", "main", "parse_port", "serve"]

log = logging.getLogger(__name__)

READY = "Running on local URL:"


def parse_port(value: object, source: str = "--port") -> int:
    """A TCP port from user input, or a :class:`TaixinError` that says what is wrong."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise TaixinError(
            f"{source}={text[:40]!r} is not a port number; use a whole number from 1 to 65535, e.g. 7860."
        )
    return int(text)


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port`` now, or raise a :class:`TaixinError` naming the problem."""
    host = host.strip() or "127.0.0.1"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise TaixinError(
            f"cannot listen on host {host[:100]!r}: no such host name or address. Use 127.0.0.1 "
            "(this machine only) or 0.0.0.0 (every network interface)."
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise TaixinError(
                f"port {port} on {host} is already in use. Stop the other server, or choose another "
                "port with --port or TAIXIN_QA_PORT."
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise TaixinError(
                f"cannot listen on {host}: this machine has no such address. Use 127.0.0.1 "
                "(this machine only) or 0.0.0.0 (every network interface)."
            ) from None
        if exc.errno == errno.EACCES:
            raise TaixinError(
                f"not allowed to listen on port {port}; ports below 1024 need administrator "
                "rights. Choose another with --port."
            ) from None
        raise TaixinError(f"cannot listen on {host}:{port} ({exc.strerror}).") from None
    sock.set_inheritable(True)
    return sock


def create_app(engine: Any, feedback: Any = None, *, host: str = "127.0.0.1", port: int = 7860) -> Any:
    """The whole server as one ASGI app: guards around FastAPI, which holds the API and mounts the chat."""
    import gradio as gr
    from fastapi import FastAPI

    from taixin_qa import __version__
    from taixin_qa.web.api import add_api
    from taixin_qa.web.app import DESCRIPTION, TITLE, build_app, head_html, page_css, theme
    from taixin_qa.web.asgi import PageHead, RequestGuard
    from taixin_qa.web.pages import add_pages, corpus_labels

    label = corpus_labels(engine)
    api = FastAPI(
        title="taixin-qa API",
        version=__version__,
        docs_url=None,  # our own /docs (pages.py): Swagger UI would load from a CDN
        redoc_url=None,
        description="Answers, with who said them, from the newspaper page on the Taiyuan–Xinzhou "
        "Economic Zone (太忻经济区). The same fields as the Python API and "
        "`taixin-qa ask/search --json`.",
    )
    add_api(api, engine, label)
    add_pages(api, engine)
    demo = build_app(engine, feedback, label)
    gr.mount_gradio_app(
        api,
        demo,
        path="/",
        server_name=host,
        server_port=port,
        footer_links=[],
        run_history=False,
        show_error=False,
        max_file_size=1,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=theme(),
        css=page_css(),
        head=head_html(),
    )
    return PageHead(RequestGuard(api), TITLE, DESCRIPTION)


def serve(
    host: str | None = None,
    port: object = None,
    feedback: Path | str | None = None,
    *,
    engine_factory: Callable[[], Any] | None = None,
    port_source: str = "--port",
) -> None:
    """Validate, bind, load the engine, then serve until interrupted. Faults raise :class:`TaixinError`."""
    from taixin_qa.settings import Runtime

    runtime = Runtime.from_env()
    if port is None:
        port, port_source = runtime.port, "TAIXIN_QA_PORT"
    number = parse_port(port, port_source)
    host = host or runtime.host
    log_feedback = None
    if feedback:
        from taixin_qa.web.feedback import FeedbackLog

        log_feedback = FeedbackLog(feedback)
        log_feedback.check_writable()
    sock = listen(host, number)
    try:
        if engine_factory is None:
            from taixin_qa.engine import default_engine

            engine_factory = default_engine
        engine = engine_factory().open()  # the model and index load now, not on the first question
        app = create_app(engine, log_feedback, host=host, port=number)
        _run(app, sock, host, number, feedback)
    finally:
        sock.close()


def _run(app: Any, sock: socket.socket, host: str, port: int, feedback: Path | str | None) -> None:
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
        limit_concurrency=1000,
        h11_max_incomplete_event_size=64 * 1024,
    )
    server = uvicorn.Server(config)
    print(f"{READY}  http://{shown}:{port}", flush=True)
    print(f"API docs:  http://{shown}:{port}/docs", flush=True)
    if feedback:
        print(f"Votes on answers are appended to {feedback}", flush=True)
    server.run(sockets=[sock])


def main(argv: list[str] | None = None) -> None:
    """``python app.py``: the same as ``taixin-qa serve``."""
    import argparse

    parser = argparse.ArgumentParser(prog="app.py", description="太忻经济区 · 书记访谈问答: the chat and the JSON API.")
    parser.add_argument("--host", default=None, help="Address to listen on (default: $TAIXIN_QA_HOST or 127.0.0.1).")
    parser.add_argument("--port", default=None, help="Port (default: $TAIXIN_QA_PORT or 7860).")
    parser.add_argument(
        "--feedback",
        default=None,
        metavar="FILE",
        help="Turn on 👍/👎 under answers and append each vote to FILE (JSON lines).",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(args.host, args.port, args.feedback)
    except TaixinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
