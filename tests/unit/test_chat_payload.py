"""The chat's wire format and its pure helpers: what no feature states, checked without Redis."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.chat import ChatKeys, ChatMessage, PayloadError, PresenceNotice, TypingNotice, TypingTracker
from redisbehaviors.chat.errors import InvalidMessage
from redisbehaviors.chat.payload import (
    _checked_message,
    _well_formed_message,
    decode_payload,
    message_from_entry,
    parse_stream_id,
)
from redisbehaviors.chat.validation import validate_body, validate_seconds, validate_stream_id
from redisbehaviors.errors import InvalidInput

MESSAGE = {
    "v": 1,
    "type": "message",
    "id": "1764170000000-2",
    "prev": "1764169999000-0",
    "room": "lobby",
    "sender": "ana",
    "time": 1764170000000,
    "body": "hi",
}


def test_a_version_1_message_decodes_to_a_chat_message() -> None:
    assert decode_payload(json.dumps(MESSAGE)) == ChatMessage(
        "1764170000000-2", "1764169999000-0", "lobby", "ana", 1764170000000, "hi"
    )


def test_fields_a_reader_does_not_know_are_ignored_within_version_1() -> None:
    assert decode_payload(json.dumps({**MESSAGE, "reply_to": "x", "emoji": True})).body == "hi"


def test_typing_and_presence_payloads_decode() -> None:
    assert decode_payload(TypingNotice("lobby", "ana").to_payload()) == TypingNotice("lobby", "ana")
    presence = {
        "v": 1,
        "type": "presence",
        "room": "lobby",
        "name": "bob",
        "online": False,
        "reason": "timeout",
        "time": 5,
    }
    assert decode_payload(json.dumps(presence)) == PresenceNotice("lobby", "bob", False, "timeout", 5)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({**MESSAGE, "v": 2}), "unsupported payload version 2"),
        (json.dumps({k: v for k, v in MESSAGE.items() if k != "v"}), "unsupported payload version None"),
        (json.dumps({**MESSAGE, "type": "reaction"}), "unknown payload type 'reaction'"),
        (json.dumps({k: v for k, v in MESSAGE.items() if k != "prev"}), "field 'prev' must be str"),
        (json.dumps({**MESSAGE, "time": "soon"}), "field 'time' must be int"),
        (json.dumps({**MESSAGE, "time": True}), "field 'time' must be int"),
        (json.dumps({**MESSAGE, "id": "42"}), "not a stream id: '42'"),
    ],
)
def test_anything_but_a_valid_version_1_payload_is_refused_with_the_reason(raw: str, says: str) -> None:
    with pytest.raises(PayloadError, match=says.replace("(", r"\(")):
        decode_payload(raw)


def test_stream_ids_order_numerically_not_as_text() -> None:
    assert parse_stream_id("10-0") > parse_stream_id("9-5")
    assert parse_stream_id("9-10") > parse_stream_id("9-9")


def test_a_history_entry_becomes_a_replayed_message_with_the_time_of_its_id() -> None:
    message = message_from_entry("lobby", "1764170000123-4", {"v": "1", "sender": "ana", "body": "hi", "prev": "0-0"})
    assert message == ChatMessage("1764170000123-4", "0-0", "lobby", "ana", 1764170000123, "hi", replayed=True)


def test_a_history_entry_without_its_chain_field_is_refused() -> None:
    with pytest.raises(PayloadError, match="lacks the field 'prev'"):
        message_from_entry("lobby", "1-1", {"sender": "ana", "body": "hi"})


def test_every_key_of_a_room_shares_the_room_hash_tag() -> None:
    keys = ChatKeys("chat")
    assert keys.history("lobby") == "chat:{room:lobby}:history"
    assert keys.presence("lobby") == "chat:{room:lobby}:presence"
    assert keys.channel("lobby") == "chat:{room:lobby}:live"


@pytest.mark.parametrize("room", ["", "a b", "x{y}", "a:b", 7])
def test_a_room_name_that_would_change_the_key_schema_is_refused(room: object) -> None:
    with pytest.raises(InvalidInput):
        ChatKeys("chat").history(room)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("", "empty"),
        ("  \n", "empty"),
        (None, "must be a string"),
        ("x" * 16385, "16385 bytes"),
        ("\ud800", "not valid Unicode"),
    ],
)
def test_a_message_body_is_checked(body: object, says: str) -> None:
    with pytest.raises(InvalidMessage, match=says):
        validate_body(body)


def test_a_body_at_the_size_limit_is_accepted() -> None:
    assert validate_body("é" * 8192) == "é" * 8192


@pytest.mark.parametrize("value", ["0", "1-", "-1-0", "1-1-1", 5, None])
def test_a_since_id_must_look_like_a_stream_id(value: object) -> None:
    with pytest.raises(InvalidMessage):
        validate_stream_id(value, "since")


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf"), True, "2"])
def test_durations_must_be_finite_non_negative_numbers(value: object) -> None:
    with pytest.raises(InvalidMessage):
        validate_seconds(value, "typing_ttl")


def test_a_typing_tracker_reports_a_start_once_and_expires_without_refresh() -> None:
    tracker = TypingTracker(ttl=5)
    assert tracker.seen("ana", now=0) is True
    assert tracker.seen("ana", now=3) is False  # a refresh, not a new start
    assert tracker.expire(now=7.9) == []
    assert tracker.typing(now=7.9) == ["ana"]
    assert tracker.expire(now=8) == ["ana"]
    assert tracker.typing(now=8) == []


def test_a_typing_tracker_forgets_a_sender_that_stopped() -> None:
    tracker = TypingTracker(ttl=5)
    tracker.seen("ana", now=0)
    assert tracker.stop("ana") is True
    assert tracker.stop("ana") is False
    assert tracker.expire(now=100) == []


_ID_TEXT = st.one_of(
    st.builds(lambda ms, seq: f"{ms}-{seq}", st.integers(0, 2**64 + 5), st.integers(0, 2**64 + 5)),
    st.text(alphabet="0123456789-x ", max_size=45),
)
_FIELD_VALUES = st.one_of(_ID_TEXT, st.text(max_size=5), st.integers(), st.booleans(), st.none(), st.floats())


_VALID_ID = st.builds(lambda ms, seq: f"{ms}-{seq}", st.integers(0, 10**19 - 1), st.integers(0, 10**19 - 1))
_TEXT = st.text(max_size=5)


@given(
    st.sets(st.sampled_from(["id", "prev", "room", "sender", "time", "body"]), max_size=2),
    st.fixed_dictionaries(  # each field mostly right, sometimes anything
        {
            "id": st.one_of(_VALID_ID, _VALID_ID, _FIELD_VALUES),
            "prev": st.one_of(_VALID_ID, _VALID_ID, _FIELD_VALUES),
            "room": st.one_of(_TEXT, _TEXT, _FIELD_VALUES),
            "sender": st.one_of(_TEXT, _TEXT, _FIELD_VALUES),
            "time": st.one_of(st.integers(), st.integers(), _FIELD_VALUES),
            "body": st.one_of(_TEXT, _TEXT, _FIELD_VALUES),
        }
    ),
)
def test_the_fast_path_accepts_only_what_the_full_check_accepts_and_reads_it_alike(
    missing: set[str], fields: dict
) -> None:
    """Every subscriber decodes each live message with ``_well_formed_message`` (type tests and a short-id
    regex) and falls back to the field-by-field check, which names what is wrong; the fast path must
    never accept a payload the full check refuses, nor read one differently."""
    for name in missing:
        del fields[name]
    fast = _well_formed_message(fields)
    try:
        full: object = _checked_message(fields)
    except PayloadError as error:
        full = error
    if fast is not None:
        assert fast == full
    elif not isinstance(full, PayloadError):  # declined by the fast path, accepted by the full check
        assert max(len(part) for part in fields["id"].split("-") + fields["prev"].split("-")) >= 20


_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12,
)
_MESSAGE_LIKE = st.fixed_dictionaries(
    {"v": st.one_of(st.just(1), _JSON_VALUES), "type": st.sampled_from(["message", "typing", "presence", "x"])},
    optional={
        name: st.one_of(_VALID_ID, _TEXT, st.integers(), _JSON_VALUES) for name in MESSAGE if name not in ("v", "type")
    },
)


def _decoded(raw: str) -> object:
    try:
        return decode_payload(raw)
    except PayloadError:
        return PayloadError


@given(
    st.one_of(_MESSAGE_LIKE.map(json.dumps), _JSON_VALUES.map(json.dumps), st.text(max_size=30)),
    st.sampled_from(["", " ", "\n", " x", "}"]),
)
def test_the_fast_json_read_decodes_exactly_what_json_loads_decodes(raw: str, tail: str) -> None:
    """``decode_payload`` reads a payload with ``JSONDecoder.raw_decode``, falling back to ``json.loads``
    for anything it does not take whole; a leading space always takes ``json.loads``'s path, so both
    paths must read every text alike (accept it as the same payload, or refuse it)."""
    assert _decoded(raw + tail) == _decoded(" " + raw + tail)
