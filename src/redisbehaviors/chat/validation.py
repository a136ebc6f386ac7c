"""Checks of the chat's arguments, made before anything is sent to Redis."""

from __future__ import annotations

from redisbehaviors import validation
from redisbehaviors.chat.errors import InvalidMessage

MAX_BODY_BYTES = 16 * 1024


def validate_body(body: object) -> str:
    if not isinstance(body, str):
        raise InvalidMessage(f"message body must be a string, got {type(body).__name__}: {validation.shown(body, 40)}")
    if not body.strip():
        raise InvalidMessage("message body must not be empty or only whitespace")
    try:
        size = len(body.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidMessage(f"message body is not valid Unicode text: {exc.reason}") from exc
    if size > MAX_BODY_BYTES:
        raise InvalidMessage(f"message body is {size} bytes, the limit is {MAX_BODY_BYTES}")
    return body


def validate_stream_id(value: object, what: str) -> str:
    """An id given by the application (``since``, ``after``), refused with :class:`InvalidMessage`."""
    return validation.validate_stream_id(value, what, error=InvalidMessage)


def validate_seconds(value: object, what: str) -> float:
    """A finite, non-negative number of seconds (not a bool), refused with :class:`InvalidMessage`."""
    return validation.validate_seconds(value, what, error=InvalidMessage)
