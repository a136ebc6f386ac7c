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
_ID_CHARS = "[A-Za-z0-9_.@+-]"
_ID = re.compile(f"{_ID_CHARS}+")
#: Ids joined by spaces, each 1-MAX_ID_LENGTH characters of ``_ID``: a batch checked by one regex call.
_ID_BATCH = re.compile(rf"{_ID_CHARS}{{1,{MAX_ID_LENGTH}}}(?: {_ID_CHARS}{{1,{MAX_ID_LENGTH}}})*")
_NAMESPACE = re.compile(r"[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*")
#: A complete stream entry id, ``<ms>-<seq>`` (``XADD`` makes them; ``$``, ``>``, ``-`` and ``+`` are not ids).
STREAM_ID = re.compile(r"[0-9]+-[0-9]+")  # ASCII digits: \d also matches other scripts' digits
#: An id whose parts have at most 19 digits: each is below 10**19 < 2**64, so no int parsing is needed.
_SHORT_STREAM_ID = re.compile(r"[0-9]{1,19}-[0-9]{1,19}")
#: Redis integers (counters, integer arguments) are signed 64-bit.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
#: Each part of a stream entry id (``<ms>-<seq>``) is unsigned 64-bit.
UINT64_MAX = 2**64 - 1
#: The longest relative TTL accepted, in ms.  Redis refuses a ``PX``/``PEXPIRE`` whose deadline (now + ttl)
#: overflows a signed 64-bit ms count ("invalid expire time", redis/redis ``src/expire.c``); 2**53 (285,000
#: years) is far below that and still exact as a Lua number, so scripts may add it to the server time.
MAX_TTL_MS = 2**53

FieldValue = str | int | float


def validate_id(value: object, what: str = "id", max_length: int = MAX_ID_LENGTH) -> str:
    """Return ``value`` if it is a safe identifier, else raise :class:`InvalidInput` naming it."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string, got {type(value).__name__}: {shown(value)}")
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


def validate_ids(values: list[object], what: str = "id") -> list[str]:
    """``values`` (a list) if every one is a safe identifier (:func:`validate_id`), else raise
    :class:`InvalidInput` naming the first bad one.  A batch of valid ids costs one regex call."""
    try:
        joined = " ".join(values)  # type: ignore[arg-type]  # TypeError unless every value is a str
    except TypeError:
        joined = ""
    if joined.count(" ") == len(values) - 1 and _ID_BATCH.fullmatch(joined):  # no id holds the space
        return values  # type: ignore[return-value]
    return [validate_id(value, what) for value in values]


def validate_namespace(value: str) -> str:
    """A namespace prefixes every key of a component; it must not contain a hash tag."""
    if not isinstance(value, str) or not _NAMESPACE.fullmatch(value) or len(value) > 64:
        raise InvalidInput(f"namespace {shown(value)} must be 1-64 characters of letters, digits, _ . - and ':'")
    return value


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message, bounded: ``repr(10**5000)`` itself raises ``ValueError``
    (Python limits int-to-text conversion to ``sys.get_int_max_str_digits()`` digits, 4300)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the validation error
        return f"<a {type(value).__name__}>"
    return text if len(text) <= limit else f"{text[:limit]}…"


def validate_count(value: object, what: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float) within bounds; never above a signed 64-bit integer, what Redis
    takes as an integer argument (and so that no huge int reaches hiredis's command packing)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {type(value).__name__}: {shown(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidInput(f"{what} must be at least {minimum}{upper}, got {shown(value)}")
    if value > INT64_MAX:
        raise InvalidInput(f"{what} must be a signed 64-bit integer (at most {INT64_MAX}), got {shown(value)}")
    return value


def validate_int64(value: object, what: str) -> int:
    """An integer Redis can hold in a counter (``INCRBY``, ``HINCRBY``): signed 64-bit."""
    return validate_count(value, what, minimum=INT64_MIN, maximum=INT64_MAX)


def validate_ttl_ms(value: object, what: str, *, minimum: int = 1, maximum: int = MAX_TTL_MS) -> int:
    """A relative TTL in milliseconds that ``PX``/``PEXPIRE`` accept and a script can compute with."""
    return validate_count(value, what, minimum=minimum, maximum=maximum)


def validate_client(client: object, what: str = "client") -> object:
    """A redis-py client created with ``decode_responses=True`` (``Redis`` or ``RedisCluster``).

    Checked once, at construction: with bytes replies the components fail later with misleading errors.
    """
    get_encoder = getattr(client, "get_encoder", None)
    if get_encoder is None:
        raise InvalidInput(f"{what} must be a redis.Redis or redis.RedisCluster, got {type(client).__name__}")
    if not getattr(get_encoder(), "decode_responses", False):
        raise InvalidInput(f"{what} must be created with decode_responses=True (it returns bytes)")
    return client


def validate_seconds(value: object, what: str, *, error: type[InvalidInput] = InvalidInput) -> float:
    """A finite, non-negative number of seconds (not a bool), as a float."""
    if type(value) is float and 0.0 <= value < math.inf:  # the common case, checked first (poll loops)
        return value
    # math.isfinite(10**5000) raises OverflowError: an int is finite when it fits a signed 64-bit integer
    finite = (isinstance(value, float) and math.isfinite(value)) or (isinstance(value, int) and abs(value) <= INT64_MAX)
    if isinstance(value, bool) or not isinstance(value, int | float) or not finite or value < 0:
        raise error(f"{what} must be a finite, non-negative number of seconds, got {shown(value)}")
    return float(value)


def is_stream_id(value: object) -> TypeGuard[str]:
    """True for a complete entry id such as ``"1764170000000-0"``, each part an unsigned 64-bit integer
    (Redis refuses ``18446744073709551616-0`` with "Invalid stream ID", after a script's earlier writes)."""
    if not isinstance(value, str) or len(value) > 41:
        return False
    if _SHORT_STREAM_ID.fullmatch(value) is not None:  # parts of up to 19 digits: the ids servers make
        return True
    if STREAM_ID.fullmatch(value) is None:
        return False
    ms, _, seq = value.partition("-")
    return int(ms) <= UINT64_MAX and int(seq) <= UINT64_MAX


def validate_stream_id(value: object, what: str = "entry id", *, error: type[InvalidInput] = InvalidInput) -> str:
    """An entry id given by the application (``after``, ``since``, a cursor), checked before it reaches Redis."""
    if not is_stream_id(value):
        raise error(f"{what} must be a stream id like '1764170000000-0' (<ms>-<seq>), got {shown(value)}")
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
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise InvalidInput(f"{what} {name!r} must be a signed 64-bit integer, got {shown(value)}")
    if isinstance(value, str):
        try:
            size = len(value.encode())
        except UnicodeEncodeError as exc:
            raise InvalidInput(f"{what} {name!r} is not valid Unicode text: {exc.reason}") from exc
        if size > max_bytes:
            raise InvalidInput(f"{what} {name!r} is longer than {max_bytes} bytes")
    return value
