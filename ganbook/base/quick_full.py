"""The one switch of the book: ``GANBOOK_MODE=quick|full``.

Quick mode is for CI (every notebook in under two minutes); full mode, the
default for a reader, is the real experiment.  Every budget in the book goes
through :func:`budget`, so no notebook hard-codes a size.
"""
import os

MODES = ("quick", "full")


def mode():
    """The current mode, read from the environment each time it is asked."""
    value = os.environ.get("GANBOOK_MODE", "full").strip().lower()
    if value not in MODES:
        raise ValueError(
            f"GANBOOK_MODE={value!r} is not a mode; set it to 'quick' (CI, minutes) "
            "or 'full' (the real experiment), or unset it for full")
    return value


def is_quick():
    return mode() == "quick"


def budget(quick, full):
    """``quick`` in quick mode, ``full`` otherwise."""
    return quick if is_quick() else full
