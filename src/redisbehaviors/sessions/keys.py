"""The session store's key schema: every key the store touches is built here.

A session and its user's index must share a hash tag, because creating, rotating and revoking
change both in one script.  A token that named its user would leak who is logged in, so the tag
is a *bucket*, a number from 0 to 1023 derived from the user id, and the token carries its
bucket in front of its secret: ``"417.<43 url-safe characters>"``.  The store finds a session's
key from the token alone, and a user's index from the user id alone, and both land in one slot.

    <ns>:{s<bucket>}:session:<token>   hash   data fields, plus meta fields starting with '~'
                                              (~user, ~created, ~deadline, ~idle: times in server ms)
    <ns>:{s<bucket>}:user:<user id>    zset   token -> absolute deadline (ms): the user's sessions
    <ns>:{s<bucket>}:op:<operation>    string the reply of a finished create, rotate or revoke, kept a few
                                              minutes: its retry replies the same (redisbehaviors.idempotency)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from redisbehaviors.errors import InvalidInput
from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace

BUCKETS = 1024
# ASCII digits without a leading zero: "0417" or a non-ASCII digit such as "\u0661" would name bucket 417 or 1
# through int() while the key's hash tag said otherwise (another slot than the user's index).
_TOKEN = re.compile(r"(0|[1-9][0-9]{0,3})\.[A-Za-z0-9_-]{22,86}")


def bucket_of(user_id: str) -> int:
    """The user's bucket: stable across processes and versions (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % BUCKETS


def validate_token(token: object) -> str:
    """A token as :meth:`SessionStore.create` makes them; anything else is refused before Redis."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token) or int(token.split(".")[0]) >= BUCKETS:
        shown = token[:12] + "…" if isinstance(token, str) else type(token).__name__
        raise InvalidInput(f"not a session token: {shown!r}")
    return token


@dataclass(frozen=True)
class SessionKeys:
    namespace: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)

    def session(self, token: str) -> str:
        bucket = validate_token(token).split(".")[0]
        return tagged(self.namespace, f"s{bucket}", "session", token)

    def user(self, user_id: str) -> str:
        validate_id(user_id, "user id")
        return tagged(self.namespace, f"s{bucket_of(user_id)}", "user", user_id)

    def session_prefix(self, bucket: int) -> str:
        """What the scripts put in front of a token to find its session key (same slot)."""
        return tagged(self.namespace, f"s{bucket}", "session", "")

    def user_prefix(self, bucket: int) -> str:
        return tagged(self.namespace, f"s{bucket}", "user", "")

    def operation(self, bucket: int, operation_id: str) -> str:
        """The record of one create, rotate or revoke, in the bucket of the keys it changed."""
        return tagged(self.namespace, f"s{bucket}", "op", validate_id(operation_id, "operation_id"))
