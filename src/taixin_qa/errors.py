"""The one exception type for problems a user can cause or fix."""


class TaixinError(Exception):
    """A problem the user can fix: bad corpus file, missing index, bad question.

    The message always says what went wrong and what to do about it, so the
    CLI and the chat can show it as it is, without a traceback.
    """
