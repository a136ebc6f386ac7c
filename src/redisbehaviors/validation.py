"""Checks of the arguments every component takes, made before anything is sent to Redis.

Each check returns the value it accepted, so a caller writes ``ttl = validate_count(ttl, "ttl_ms")``,
and raises :class:`InvalidInput` (or the subclass a component passes as ``error``) naming what was
wrong and with which value.  Identifiers are checked here before they reach a key, so that no input
can change a component's key schema (see :mod:`redisbehaviors.keyschema`).
"""

from __future__ import annotations

import math
import re
from typing import TypeGuard

from redisbehaviors.errors import InvalidInput

MAX_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9_.@+-]+")
_NAMESPACE = re.compile(r"[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*")
#: A complete stream entry id, ``<ms>-<seq>`` (``XADD`` makes them; ``$``, ``>``, ``-`` and ``+`` are not ids).
STREAM_ID = re.compile(r"\d+-\d+")

FieldValue = str | int | float


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


def validate_count(value: object, what: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {type(value).__name__}: {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidInput(f"{what} must be at least {minimum}{upper}, got {value}")
    return value


def validate_seconds(value: object, what: str, *, error: type[InvalidInput] = InvalidInput) -> float:
    """A finite, non-negative number of seconds (not a bool), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise error(f"{what} must be a finite, non-negative number of seconds, got {value!r}")
    return float(value)


def is_stream_id(value: object) -> TypeGuard[str]:
    """True for a complete entry id such as ``"1764170000000-0"``."""
    return isinstance(value, str) and STREAM_ID.fullmatch(value) is not None


def validate_stream_id(value: object, what: str = "entry id", *, error: type[InvalidInput] = InvalidInput) -> str:
    """An entry id given by the application (``after``, ``since``, a cursor), checked before it reaches Redis."""
    if not is_stream_id(value):
        raise error(f"{what} must be a stream id like '1764170000000-0' (<ms>-<seq>), got {value!r}")
    return value


def stream_id_key(entry_id: str) -> tuple[int, int]:
    """``"1764170000000-3"`` -> ``(1764170000000, 3)``: entry ids order by these numbers, not as text.

    Meant for ids the server gave; a missing sequence part reads as 0.
    """
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def validate_field_value(name: str, value: object, *, what: str = "field", max_bytes: int) -> FieldValue:
    """A value to store in a hash field: a string of at most ``max_bytes`` bytes, or a finite number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f"{what} {name!r} must be a string or a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{what} {name!r} must be a finite number, got {value!r}")
    if isinstance(value, str) and len(value.encode()) > max_bytes:
        raise InvalidInput(f"{what} {name!r} is longer than {max_bytes} bytes")
    return value
