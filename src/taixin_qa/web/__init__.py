"""The web server: the chat page, a JSON API and an OpenAI-compatible route, in one process.

- :mod:`~taixin_qa.web.render`: answers as HTML, plain text and Markdown (pure functions);
- :mod:`~taixin_qa.web.app`: the Gradio chat page;
- :mod:`~taixin_qa.web.api`: ``/api/ask``, ``/api/search``, ``/v1/chat/completions``;
- :mod:`~taixin_qa.web.pages`: the original-page and interview views a source links to;
- :mod:`~taixin_qa.web.asgi`: what the server accepts (allowlisted writes, bounded JSON bodies);
- :mod:`~taixin_qa.web.feedback`: votes on answers, off unless the operator names a file;
- :mod:`~taixin_qa.web.server`: start-up checks and serving (``taixin-qa serve``).

Importing this package is cheap; Gradio loads only when the server starts.
"""

from __future__ import annotations

from taixin_qa.web.server import create_app, main, serve

__all__ = ["create_app", "main", "serve"]
