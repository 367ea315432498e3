"""The library's base error: pages and the CLI catch it and show its message, which says what to do."""


class ExplorerError(Exception):
    """A failure the user can act on; the message names the remedy and never holds a secret."""


# A failure is logged once, where it happens; callers higher up see that it was. A mark on the exception itself,
# not a wrapper: a KeyboardInterrupt must stay one all the way up (and cannot be weakly referenced in a set).
_LOGGED = "_sce_logged"


def mark_logged(exc: BaseException) -> None:
    setattr(exc, _LOGGED, True)


def was_logged(exc: BaseException) -> bool:
    return bool(getattr(exc, _LOGGED, False))
