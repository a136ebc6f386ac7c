"""Shared rules for building keys.  Each component owns its schema in its own ``keys.py``.

Two rules keep every schema cluster-ready and safe:

* identifiers are validated before they reach a key, so that no input can change the schema
  (``{`` and ``}`` would move the hash tag, whitespace and ``:`` would blur the separators);
* keys that one command or script touches together share a hash tag ``{…}``, so that they
  land in one cluster slot (only the text between the first ``{`` and the next ``}`` is hashed).
"""

from __future__ import annotations

import re

from redisbehaviors.errors import InvalidInput

MAX_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9_.@+-]+")
_NAMESPACE = re.compile(r"[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*")


def validate_id(value: object, what: str = "id", max_length: int = MAX_ID_LENGTH) -> str:
    """Return ``value`` if it is a safe identifier, else raise :class:`InvalidInput` naming it."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string, got {type(value).__name__}: {value!r}")
    if not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is {len(value)} characters long, the limit is {max_length}: {value[:20]!r}…")
    if not _ID.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} may only contain letters, digits and _ . @ + - "
            "(no braces, colons or whitespace, which would change the key schema)"
        )
    return value


def validate_namespace(value: str) -> str:
    """A namespace prefixes every key of a component; it must not contain a hash tag."""
    if not isinstance(value, str) or not _NAMESPACE.fullmatch(value) or len(value) > 64:
        raise InvalidInput(f"namespace {value!r} must be 1-64 characters of letters, digits, _ . - and ':'")
    return value


def tagged(namespace: str, tag: str, *parts: str) -> str:
    """``tagged("shop", "p:42", "card")`` -> ``"shop:{p:42}:card"``."""
    return ":".join([namespace, f"{{{tag}}}", *parts])


def validate_count(value: object, what: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {type(value).__name__}: {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidInput(f"{what} must be at least {minimum}{upper}, got {value}")
    return value
