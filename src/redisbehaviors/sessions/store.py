"""Server-side sessions: random tokens, field-level data, sliding idle expiry under an absolute cap.

Every decision about time (is it expired, how long may it live) is taken by the scripts on the
server's clock; nothing here reads the local clock.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import redis

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


class SessionStore:
    """Sessions of users, kept in Redis under ``namespace``.

    ``idle_timeout_ms``: a session nobody uses for that long ends (each read or write slides it).
    ``absolute_lifetime_ms``: no session lives longer than that after its creation, however busy.
    ``token_bytes``: random bytes in a token (``secrets``), at least 16 (128 bits); default 32.
    ``operation_ttl_ms``: how long a create, rotate or revoke is remembered under its operation id, so
    that a retry whose first reply was lost replies the same (docs/ttl_locks/sessions.md, exactly once).
    ``client``: a ``redis.Redis`` or ``redis.RedisCluster`` made with ``decode_responses=True``.
    """

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        namespace: str = "sessions",
        idle_timeout_ms: int = 30 * 60 * 1000,
        absolute_lifetime_ms: int = 12 * 3600 * 1000,
        token_bytes: int = 32,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        if not isinstance(client, redis.Redis | redis.RedisCluster):
            raise InvalidInput(f"client must be a redis.Redis or redis.RedisCluster, got {type(client).__name__}")
        self.client = validate_client(client)
        self.keys = SessionKeys(namespace)
        self.idle_timeout_ms = validate_ttl_ms(idle_timeout_ms, "idle_timeout_ms", maximum=MAX_LIFETIME_MS)
        self.absolute_lifetime_ms = validate_ttl_ms(
            absolute_lifetime_ms, "absolute_lifetime_ms", maximum=MAX_LIFETIME_MS
        )
        self.token_bytes = validate_count(token_bytes, "token_bytes", minimum=MIN_TOKEN_BYTES, maximum=64)
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self._scripts = {
            name: load_script(client, __package__, name)
            for name in ("create", "read", "write", "rotate", "revoke", "revoke_all", "list")
        }

    def _new_token(self, bucket: int) -> str:
        return f"{bucket}.{secrets.token_urlsafe(self.token_bytes)}"

    # ------------------------------------------------------------------------------------ lifecycle

    def create(
        self, user_id: str, data: Mapping[str, FieldValue] | None = None, *, operation_id: str | None = None
    ) -> str:
        """Start a session for ``user_id`` with optional initial data; returns its token.

        Exactly once per ``operation_id`` (one per call unless given, e.g. the login request's
        idempotency key): a retry returns the first run's token instead of creating a second session.
        """
        validate_id(user_id, "user id")
        pairs = _validate_data({} if data is None else data, allow_empty=True)
        bucket = bucket_of(user_id)
        record = self.keys.operation(bucket, idempotency.operation_id(operation_id))
        while True:
            token = self._new_token(bucket)
            created = self._scripts["create"](
                keys=[self.keys.session(token), self.keys.user(user_id), record],
                args=[
                    user_id,
                    token,
                    self.keys.session_prefix(bucket),
                    self.idle_timeout_ms,
                    self.absolute_lifetime_ms,
                    self.operation_ttl_ms,
                    *pairs,
                ],
            )
            if created != 0:
                return str(created)

    def get(self, token: str, fields: Iterable[str] | None = None) -> Session | None:
        """The live session (all its data, or only ``fields``), sliding its idle expiry; None if gone."""
        names = _validate_names(fields) if fields is not None else []
        if fields is not None and not names:
            raise InvalidInput("ask for at least one field, or for all with fields=None")
        reply = self._scripts["read"](keys=[self.keys.session(token)], args=names)
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

    def set(self, token: str, data: Mapping[str, FieldValue]) -> int:
        """Set some fields (others, and other requests' fields, stay); returns how many were new.

        Raises :class:`SessionNotFound` when the session is gone: a late write never revives it.
        """
        pairs = _validate_data(data, allow_empty=False)
        return self._write(token, "set", pairs)

    def delete_fields(self, token: str, names: Iterable[str]) -> int:
        """Remove some fields; returns how many existed.  Raises :class:`SessionNotFound` when gone."""
        checked = _validate_names(names)
        if not checked:
            raise InvalidInput("name at least one field to delete")
        return self._write(token, "del", checked)

    def _write(self, token: str, mode: str, args: list[str]) -> int:
        changed = self._scripts["write"](keys=[self.keys.session(token)], args=[mode, *args])
        if changed == -1:
            raise SessionNotFound(f"session {token[:12]}… does not exist (expired or revoked)")
        return int(changed)

    def rotate(self, token: str, *, operation_id: str | None = None) -> str:
        """Give the session a new token (after login or a privilege change); the old one stops working.

        Data, idle expiry and absolute deadline carry over.  Raises :class:`SessionNotFound`.
        Exactly once per ``operation_id`` (one per call unless given): a retry whose first reply was
        lost returns the new token, instead of :class:`SessionNotFound` and a logged-out user.
        """
        bucket = int(validate_token(token).split(".")[0])
        record = self.keys.operation(bucket, idempotency.operation_id(operation_id))
        while True:
            new_token = self._new_token(bucket)
            rotated = self._scripts["rotate"](
                keys=[self.keys.session(token), self.keys.session(new_token), record],
                args=[self.keys.user_prefix(bucket), token, new_token, self.operation_ttl_ms],
            )
            if rotated == 0:
                raise SessionNotFound(f"session {token[:12]}… does not exist (expired or revoked)")
            if rotated != -1:
                return str(rotated)

    def revoke(self, token: str, *, operation_id: str | None = None) -> bool:
        """End one session (logout); True when it was live (also for a retry of the call that ended it)."""
        bucket = int(validate_token(token).split(".")[0])
        record = self.keys.operation(bucket, idempotency.operation_id(operation_id))
        removed = self._scripts["revoke"](
            keys=[self.keys.session(token), record], args=[self.keys.user_prefix(bucket), token, self.operation_ttl_ms]
        )
        return bool(removed)

    def revoke_all(self, user_id: str, *, operation_id: str | None = None) -> int:
        """End every session of ``user_id`` at once (logout everywhere); returns how many were live.

        A retry of the call (same ``operation_id``, one per call unless given) returns the first count.
        """
        index = self.keys.user(user_id)
        bucket = bucket_of(user_id)
        record = self.keys.operation(bucket, idempotency.operation_id(operation_id))
        prefix = self.keys.session_prefix(bucket)
        return int(self._scripts["revoke_all"](keys=[index, record], args=[prefix, self.operation_ttl_ms]))

    def sessions_of(self, user_id: str) -> list[str]:
        """Tokens of the user's live sessions ("your devices"), pruning the index as it goes."""
        index = self.keys.user(user_id)
        prefix = self.keys.session_prefix(bucket_of(user_id))
        return list(self._scripts["list"](keys=[index], args=[prefix]))
