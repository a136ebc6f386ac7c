"""Server-side sessions: random tokens, field-level data, sliding idle expiry under an absolute cap.

Every decision about time (is it expired, how long may it live) is taken by the scripts on the
server's clock; nothing here reads the local clock.

:class:`SessionStore` and its asyncio twin (:mod:`redisbehaviors.sessions.aio`) share one core
(``_SessionCore``) that validates, builds every script's keys and arguments and reads every reply;
the two stores only run the scripts.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import redis
from redis.commands.core import Script

from redisbehaviors import idempotency
from redisbehaviors.errors import InvalidInput, UnknownEntity
from redisbehaviors.idempotency import OPERATION_TTL_MS, validate_operation_ttl
from redisbehaviors.scripts import load_script
from redisbehaviors.sessions.keys import SessionKeys, bucket_of, validate_token
from redisbehaviors.validation import (
    FieldValue,
    shown,
    validate_client,
    validate_count,
    validate_field_value,
    validate_id,
    validate_ttl_ms,
)

MAX_VALUE_BYTES = 64 * 1024
MAX_FIELDS = 1000
MIN_TOKEN_BYTES = 16  # 128 bits
#: The longest idle timeout or lifetime: 100 years.  The scripts add it to the server's clock in Lua
#: numbers (exact below 2^53) and PEXPIRE it; an unbounded value made PEXPIRE fail after the HSET
#: ("invalid expire time"), leaving a session hash without TTL and outside its user's index.
MAX_LIFETIME_MS = 100 * 365 * 24 * 3600 * 1000
#: The store's scripts, ``<name>.lua`` beside this module.
SCRIPTS = ("create", "read", "write", "rotate", "revoke", "revoke_all", "list")

T = TypeVar("T")


class SessionNotFound(UnknownEntity):
    """The session does not exist: never created, expired, rotated away or revoked."""


@dataclass(frozen=True)
class Session:
    """A live session as read from Redis.  Times are the server's, in ms since the epoch."""

    token: str
    user_id: str
    data: dict[str, str | None]
    created_ms: int
    deadline_ms: int
    idle_timeout_ms: int
    expires_in_ms: int


def _validate_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str | bytes | Mapping) or not isinstance(names, Iterable):
        raise InvalidInput(f"field names must be a sequence of names, got {shown(names)}")
    listed = list(itertools.islice(names, MAX_FIELDS + 1))
    if len(listed) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} fields per call")
    return [validate_id(name, "session field name", max_length=64) for name in listed]


def _validate_data(data: Mapping[str, FieldValue], *, allow_empty: bool) -> list[str]:
    if not isinstance(data, Mapping) or (not data and not allow_empty):
        raise InvalidInput("session data must be a non-empty mapping of field name to value")
    if len(data) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} fields per call, got {len(data)}")
    pairs: list[str] = []
    for name, value in zip(_validate_names(list(data)), data.values(), strict=True):
        pairs += [name, str(validate_field_value(name, value, what="session field", max_bytes=MAX_VALUE_BYTES))]
    return pairs


#: One run of a store script: its name (``<name>.lua``), its KEYS and its ARGV.
ScriptCall = tuple[str, list[str], list[Any]]
#: An operation that may run its script more than once: it yields each run, is sent its reply, and
#: returns the operation's result.
Steps = Generator[ScriptCall, Any, T]


def _gone(token: str) -> SessionNotFound:
    return SessionNotFound(f"session {token[:12]}… does not exist (expired or revoked)")


class _SessionCore:
    """What :class:`SessionStore` and its asyncio twin share: settings, keys, validation, the scripts'
    arguments and the reading of their replies.  Nothing here talks to Redis.  An operation that runs
    one script is a pair: ``_<op>_call`` validates and returns the :data:`ScriptCall`, a reader turns
    the reply into the result; a store's ``_call`` runs the script between the two.  ``_create`` and
    ``_rotate``, which run their script again with a new token when the one they drew is taken, are
    :data:`Steps` generators that a store's ``_run`` drives, so that loop is written once.  (The
    one-script operations are not generators because of speed: on a ``get`` that takes 63 µs of client
    CPU, the pair adds 0.6 µs and a generator 3.6 µs.)

    A store names the clients it accepts (``_clients``, ``_client_kind``) and how it registers a
    script on one (``_register(client, name)``, a callable ``script(keys=…, args=…)``).
    """

    _clients: ClassVar[tuple[type, ...]]
    _client_kind: ClassVar[str]
    _register: Callable[[Any, str], Any]

    def __init__(
        self,
        client: Any,
        *,
        namespace: str = "sessions",
        idle_timeout_ms: int = 30 * 60 * 1000,
        absolute_lifetime_ms: int = 12 * 3600 * 1000,
        token_bytes: int = 32,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        if not isinstance(client, self._clients):
            raise InvalidInput(f"client must be a {self._client_kind}, got {type(client).__name__}")
        self.client = validate_client(client)
        self.keys = SessionKeys(namespace)
        self.idle_timeout_ms = validate_ttl_ms(idle_timeout_ms, "idle_timeout_ms", maximum=MAX_LIFETIME_MS)
        self.absolute_lifetime_ms = validate_ttl_ms(
            absolute_lifetime_ms, "absolute_lifetime_ms", maximum=MAX_LIFETIME_MS
        )
        self.token_bytes = validate_count(token_bytes, "token_bytes", minimum=MIN_TOKEN_BYTES, maximum=64)
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self._scripts = {name: self._register(client, name) for name in SCRIPTS}

    def _new_token(self, bucket: int) -> str:
        return f"{bucket}.{secrets.token_urlsafe(self.token_bytes)}"

    def _record(self, bucket: int, operation_id: str | None) -> str:
        return self.keys.operation(bucket, idempotency.operation_id(operation_id))

    def _create(self, user_id: str, data: Mapping[str, FieldValue] | None, operation_id: str | None) -> Steps[str]:
        validate_id(user_id, "user id")
        pairs = _validate_data({} if data is None else data, allow_empty=True)
        bucket = bucket_of(user_id)
        index, record = self.keys.user(user_id), self._record(bucket, operation_id)
        settings = [
            self.keys.session_prefix(bucket),
            self.idle_timeout_ms,
            self.absolute_lifetime_ms,
            self.operation_ttl_ms,
        ]
        while True:
            token = self._new_token(bucket)
            keys = [self.keys.session(token), index, record]
            created = yield ("create", keys, [user_id, token, *settings, *pairs])
            if created != 0:
                return str(created)

    def _field_names(self, fields: Iterable[str] | None) -> list[str]:
        names = _validate_names(fields) if fields is not None else []
        if fields is not None and not names:
            raise InvalidInput("ask for at least one field, or for all with fields=None")
        return names

    def _read_call(self, token: str, names: list[str]) -> ScriptCall:
        return "read", [self.keys.session(token)], names

    def _session(self, token: str, names: list[str], reply: Any) -> Session | None:
        if reply is None:
            return None
        user_id, created, deadline, idle, expires_in, values = reply
        if names:
            data = dict(zip(names, values, strict=True))
        else:
            # a script's table is an array in RESP2 and RESP3 alike: HGETALL arrives flat
            pairs = zip(values[::2], values[1::2], strict=True)
            data = {name: value for name, value in pairs if not name.startswith("~")}
        return Session(token, user_id, data, int(created), int(deadline), int(idle), int(expires_in))

    def _set_call(self, token: str, data: Mapping[str, FieldValue]) -> ScriptCall:
        return self._write_call(token, "set", _validate_data(data, allow_empty=False))

    def _delete_call(self, token: str, names: Iterable[str]) -> ScriptCall:
        checked = _validate_names(names)
        if not checked:
            raise InvalidInput("name at least one field to delete")
        return self._write_call(token, "del", checked)

    def _write_call(self, token: str, mode: str, args: list[str]) -> ScriptCall:
        return "write", [self.keys.session(token)], [mode, *args]

    def _written(self, token: str, changed: Any) -> int:
        if changed == -1:
            raise _gone(token)
        return int(changed)

    def _rotate(self, token: str, operation_id: str | None) -> Steps[str]:
        bucket = int(validate_token(token).split(".")[0])
        record = self._record(bucket, operation_id)
        while True:
            new_token = self._new_token(bucket)
            rotated = yield (
                "rotate",
                [self.keys.session(token), self.keys.session(new_token), record],
                [self.keys.user_prefix(bucket), token, new_token, self.operation_ttl_ms],
            )
            if rotated == 0:
                raise _gone(token)
            if rotated != -1:
                return str(rotated)

    def _revoke_call(self, token: str, operation_id: str | None) -> ScriptCall:
        bucket = int(validate_token(token).split(".")[0])
        record = self._record(bucket, operation_id)
        return (
            "revoke",
            [self.keys.session(token), record],
            [self.keys.user_prefix(bucket), token, self.operation_ttl_ms],
        )

    def _revoke_all_call(self, user_id: str, operation_id: str | None) -> ScriptCall:
        index = self.keys.user(user_id)
        bucket = bucket_of(user_id)
        record = self._record(bucket, operation_id)
        return "revoke_all", [index, record], [self.keys.session_prefix(bucket), self.operation_ttl_ms]

    def _list_call(self, user_id: str) -> ScriptCall:
        return "list", [self.keys.user(user_id)], [self.keys.session_prefix(bucket_of(user_id))]


class SessionStore(_SessionCore):
    """Sessions of users, kept in Redis under ``namespace``.

    ``idle_timeout_ms``: a session nobody uses for that long ends (each read or write slides it).
    ``absolute_lifetime_ms``: no session lives longer than that after its creation, however busy.
    ``token_bytes``: random bytes in a token (``secrets``), at least 16 (128 bits); default 32.
    ``operation_ttl_ms``: how long a create, rotate or revoke is remembered under its operation id, so
    that a retry whose first reply was lost replies the same (docs/ttl_locks/sessions.md, exactly once).
    ``client``: a ``redis.Redis`` or ``redis.RedisCluster`` made with ``decode_responses=True``.
    """

    _clients = (redis.Redis, redis.RedisCluster)
    _client_kind = "redis.Redis or redis.RedisCluster"

    @staticmethod
    def _register(client: redis.Redis | redis.RedisCluster, name: str) -> Script:
        return load_script(client, __package__, name)

    def _call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[name](keys=keys, args=args)

    def _run(self, steps: Steps[T]) -> T:
        """Run the scripts ``steps`` asks for, one after the other; its result."""
        try:
            call = next(steps)
            while True:
                call = steps.send(self._call(*call))
        except StopIteration as done:
            return done.value

    # ------------------------------------------------------------------------------------ lifecycle

    def create(
        self, user_id: str, data: Mapping[str, FieldValue] | None = None, *, operation_id: str | None = None
    ) -> str:
        """Start a session for ``user_id`` with optional initial data; returns its token.

        Exactly once per ``operation_id`` (one per call unless given, e.g. the login request's
        idempotency key): a retry returns the first run's token instead of creating a second session.
        """
        return self._run(self._create(user_id, data, operation_id))

    def get(self, token: str, fields: Iterable[str] | None = None) -> Session | None:
        """The live session (all its data, or only ``fields``), sliding its idle expiry; None if gone."""
        names = self._field_names(fields)
        return self._session(token, names, self._call(*self._read_call(token, names)))

    def set(self, token: str, data: Mapping[str, FieldValue]) -> int:
        """Set some fields (others, and other requests' fields, stay); returns how many were new.

        Raises :class:`SessionNotFound` when the session is gone: a late write never revives it.
        """
        return self._written(token, self._call(*self._set_call(token, data)))

    def delete_fields(self, token: str, names: Iterable[str]) -> int:
        """Remove some fields; returns how many existed.  Raises :class:`SessionNotFound` when gone."""
        return self._written(token, self._call(*self._delete_call(token, names)))

    def rotate(self, token: str, *, operation_id: str | None = None) -> str:
        """Give the session a new token (after login or a privilege change); the old one stops working.

        Data, idle expiry and absolute deadline carry over.  Raises :class:`SessionNotFound`.
        Exactly once per ``operation_id`` (one per call unless given): a retry whose first reply was
        lost returns the new token, instead of :class:`SessionNotFound` and a logged-out user.
        """
        return self._run(self._rotate(token, operation_id))

    def revoke(self, token: str, *, operation_id: str | None = None) -> bool:
        """End one session (logout); True when it was live (also for a retry of the call that ended it)."""
        return bool(self._call(*self._revoke_call(token, operation_id)))

    def revoke_all(self, user_id: str, *, operation_id: str | None = None) -> int:
        """End every session of ``user_id`` at once (logout everywhere); returns how many were live.

        A retry of the call (same ``operation_id``, one per call unless given) returns the first count.
        """
        return int(self._call(*self._revoke_all_call(user_id, operation_id)))

    def sessions_of(self, user_id: str) -> list[str]:
        """Tokens of the user's live sessions ("your devices"), pruning the index as it goes."""
        return list(self._call(*self._list_call(user_id)))
