"""The chat's wire format, version 1: one JSON object per Pub/Sub message.

Every payload carries ``"v": 1`` and a ``"type"``:

``message``   ``{"v":1, "type":"message", "id":"1764170000000-0", "prev":"1764169999000-3",
              "room":"lobby", "sender":"ana", "time":1764170000000, "body":"hi"}``
              ``id`` is the message's entry id in the room's history stream, ``prev`` the id of
              the message before it in the room (``"0-0"`` for the first one), ``time`` the
              server's clock in milliseconds (the time part of ``id``).  ``prev`` chains the
              messages of a room, so a receiver can tell that it missed some.
``typing``    ``{"v":1, "type":"typing", "room":"lobby", "sender":"ana"}``
              "ana is typing now"; it is never stored, and receivers forget it after a few seconds.
``presence``  ``{"v":1, "type":"presence", "room":"lobby", "name":"ana", "online":true,
              "reason":"join", "time":1764170000000}``; ``reason`` is ``join``, ``leave`` or ``timeout``.

Compatibility rules: a reader ignores fields it does not know (version 1 may grow), and refuses a
payload whose ``v`` it does not know or whose required fields are missing, with :class:`PayloadError`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from redisbehaviors.chat.errors import PayloadError
from redisbehaviors.validation import is_stream_id, shown, stream_id_key

VERSION = 1
#: ``id`` and ``prev`` joined by a space, both with parts of at most 19 digits (below 2**64, as
#: :func:`is_stream_id` accepts them): the ids every server makes, checked by one regex call.
_SHORT_ID_PAIR = re.compile(r"[0-9]{1,19}-[0-9]{1,19} [0-9]{1,19}-[0-9]{1,19}")
_new = tuple.__new__
_DECODER = json.JSONDecoder()


def parse_stream_id(value: str) -> tuple[int, int]:
    """``"1764170000000-3"`` -> ``(1764170000000, 3)``, for ordering ids numerically.

    A received payload with a bad id is refused with :class:`PayloadError` (it is not the caller's input).
    """
    if not is_stream_id(value):
        raise PayloadError(f"not a stream id: {shown(value)}")
    return stream_id_key(value)


class ChatMessage(NamedTuple):
    """A message of a room.  ``replayed`` is True when it came from the history, not live.

    A named tuple: every subscriber builds one per message, in a third of a frozen dataclass's time."""

    id: str
    prev: str
    room: str
    sender: str
    time: int
    body: str
    replayed: bool = False


@dataclass(frozen=True)
class TypingNotice:
    room: str
    sender: str

    def to_payload(self) -> str:
        return json.dumps({"v": VERSION, "type": "typing", "room": self.room, "sender": self.sender})


@dataclass(frozen=True)
class PresenceNotice:
    room: str
    name: str
    online: bool
    reason: str
    time: int


Payload = ChatMessage | TypingNotice | PresenceNotice


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if isinstance(value, bool) and kind is not bool:
        raise PayloadError(f"field {name!r} must be {kind.__name__}, got {shown(value)}")
    if not isinstance(value, kind):
        raise PayloadError(f"field {name!r} must be {kind.__name__}, got {shown(value)}")
    return value


def _well_formed_message(data: dict[str, Any]) -> ChatMessage | None:
    """The message when every field has its type and both ids are stream ids, else None.

    The live path of every subscriber: one type test per field and one regex call for both ids (the
    ids servers make); the field-by-field check (:func:`_checked_message`) runs only to say what is
    wrong.  0.74 against 1.33 µs for a loop of ``dict.get``, ``map(type)`` and two :func:`is_stream_id`
    (timeit); ``tests/unit/test_chat_payload.py`` checks both paths accept the same payloads."""
    try:
        id_, prev, room, sender, time, body = (
            data["id"], data["prev"], data["room"], data["sender"], data["time"], data["body"]
        )  # fmt: skip
    except KeyError:
        return None
    # type(True) is bool, not int: a bool time is refused
    if not (type(id_) is str and type(prev) is str and type(room) is str and type(sender) is str):
        return None
    if type(time) is not int or type(body) is not str:
        return None
    if _SHORT_ID_PAIR.fullmatch(f"{id_} {prev}") is None and not (is_stream_id(id_) and is_stream_id(prev)):
        return None
    return _new(ChatMessage, (id_, prev, room, sender, time, body, False))  # ChatMessage._make, unchecked


def _checked_message(data: dict[str, Any]) -> ChatMessage:
    """The message, or :class:`PayloadError` naming the first field that is wrong."""
    message = ChatMessage(
        _field(data, "id", str),
        _field(data, "prev", str),
        _field(data, "room", str),
        _field(data, "sender", str),
        _field(data, "time", int),
        _field(data, "body", str),
    )
    parse_stream_id(message.id)
    parse_stream_id(message.prev)
    return message


def decode_payload(raw: str | bytes) -> Payload:
    """Read one payload; raises :class:`PayloadError` for anything that is not version-1 chat."""
    try:
        # raw_decode reads a document at the start of a str without json.loads's two whitespace scans
        # (1.4 against 2.1 µs for a chat message, timeit); anything else (bytes, whitespace around the
        # document, trailing data) takes json.loads, which accepts or refuses it as before.
        data, end = _DECODER.raw_decode(raw)  # type: ignore[arg-type]
        if end != len(raw):
            raise ValueError("not one document")
    except (ValueError, TypeError, AttributeError):
        try:
            data = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise PayloadError(f"not JSON: {shown(raw, 80)}") from exc
    if type(data) is dict and data.get("type") == "message" and data.get("v") == VERSION:  # the live path
        return _well_formed_message(data) or _checked_message(data)
    if not isinstance(data, dict):
        raise PayloadError(f"not a JSON object: {shown(raw, 80)}")
    version = data.get("v")
    if version != VERSION:
        raise PayloadError(f"unsupported payload version {shown(version)} (this reader knows {VERSION})")
    kind = data.get("type")
    if kind == "message":
        return _well_formed_message(data) or _checked_message(data)
    if kind == "typing":
        return TypingNotice(_field(data, "room", str), _field(data, "sender", str))
    if kind == "presence":
        return PresenceNotice(
            _field(data, "room", str),
            _field(data, "name", str),
            _field(data, "online", bool),
            _field(data, "reason", str),
            _field(data, "time", int),
        )
    raise PayloadError(f"unknown payload type {shown(kind)}")


def message_from_entry(room: str, entry_id: str, fields: dict[str, str]) -> ChatMessage:
    """A message read back from the room's history stream (``XRANGE`` entry)."""
    try:
        return ChatMessage(
            entry_id,
            fields["prev"],
            room,
            fields["sender"],
            parse_stream_id(entry_id)[0],
            fields["body"],
            replayed=True,
        )
    except KeyError as exc:
        raise PayloadError(f"history entry {entry_id} lacks the field {exc.args[0]!r}") from exc
