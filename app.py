"""Start the chat and the JSON API: ``python app.py [--host 127.0.0.1] [--port 7860] [--feedback FILE]``.

The same code as ``taixin-qa serve`` (see :mod:`taixin_qa.web.server`).
"""

from taixin_qa.web import main

if __name__ == "__main__":
    main()
