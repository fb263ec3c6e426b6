"""``python -m taixin_qa``: the command line; with no arguments it starts the chat (``serve``)."""

import sys

from taixin_qa.cli import main

if __name__ == "__main__":
    main(sys.argv[1:] or ["serve"], prog_name="taixin-qa")
