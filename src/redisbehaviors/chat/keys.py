"""The chat's key schema: every key and channel name the chat uses is built here.

Everything that belongs to one room shares the hash tag ``{room:<room>}``: the history stream
and the presence set are touched together with the live channel by one script, so in a Redis
Cluster they live in one slot (and the channel name hashes to that slot too, which is what
``SPUBLISH`` would need).

    <ns>:{room:<room>}:history     stream   every message, trimmed to the history bound
    <ns>:{room:<room>}:presence    zset     member -> server time (ms) of its last heartbeat
    <ns>:{room:<room>}:live        channel  Pub/Sub channel of the room (not a key)
    <ns>:{room:<room>}:op:<id>     string   the reply of a finished send, for its retries (PX)

Rooms and operation ids cannot contain ``:`` or braces (:func:`redisbehaviors.validation.validate_id`),
so no two rooms, and no room and operation, share a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace


@dataclass(frozen=True)
class ChatKeys:
    namespace: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)

    def _key(self, room: str, part: str) -> str:
        validate_id(room, "room")
        return tagged(self.namespace, f"room:{room}", part)

    def history(self, room: str) -> str:
        return self._key(room, "history")

    def presence(self, room: str) -> str:
        return self._key(room, "presence")

    def channel(self, room: str) -> str:
        return self._key(room, "live")

    def operation(self, room: str, operation_id: str) -> str:
        return self._key(room, f"op:{validate_id(operation_id, 'operation_id')}")
