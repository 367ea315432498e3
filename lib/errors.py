"""The library's base error: pages and the CLI catch it and show its message, which says what to do."""


class ExplorerError(Exception):
    """A failure the user can act on; the message names the remedy and never holds a secret."""
