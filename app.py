"""Start the browser chat: ``python app.py [--host 127.0.0.1] [--port 7860]``."""

from taixin_qa.web import main

if __name__ == "__main__":
    main()
