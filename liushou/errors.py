"""Errors the library raises for a person to read: the message is Chinese, the exit code 2."""


class UsageError(Exception):
    """A command was asked for something it cannot do."""


class TermError(UsageError):
    """A term name that is malformed, or a term with nothing to report."""
