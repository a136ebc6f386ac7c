"""A room chat on Pub/Sub, with its history in a Stream, typing indicators and presence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from redisbehaviors.chat.feed import RoomFeed
from redisbehaviors.chat.keys import ChatKeys
from redisbehaviors.chat.payload import (
    ChatMessage,
    TypingNotice,
    message_from_entry,
    parse_stream_id,
)
from redisbehaviors.chat.validation import validate_body, validate_seconds, validate_stream_id
from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.idempotency import OPERATION_TTL_MS, validate_operation_ttl
from redisbehaviors.idempotency import operation_id as operation_id_of
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import validate_client, validate_count, validate_id, validate_ttl_ms

MAX_PAGE = 10_000
#: The longest presence ttl: a day.  A heartbeat keeps a member online this long; the presence set lives
#: twice as long, computed by the script, so the bound also keeps that product exact (and within PEXPIRE's range).
MAX_PRESENCE_TTL_MS = 86_400_000


@dataclass(frozen=True)
class Delivery:
    """What :meth:`Chat.send` did: the stored message and how many subscribers got it live."""

    message: ChatMessage
    receivers: int


class Chat:
    """Rooms whose messages go out live on Pub/Sub and into a per-room history stream.

    ``client`` must use ``decode_responses=True``.  Pub/Sub alone keeps nothing: a member that is
    not subscribed at the moment of a ``PUBLISH`` never gets the message.  So :meth:`send` also
    appends every message to the room's stream (trimmed to ``history_limit`` entries) in the same
    script, and a :class:`~redisbehaviors.chat.feed.RoomFeed` uses that history to catch up and
    to tell the application exactly where it has a gap.

    The history keeps at least the last ``history_limit`` messages: ``XADD … MAXLEN ~``, which drops
    only whole stream nodes (``stream-node-max-entries``, 100 by default), so it holds up to a node's
    worth more.  ``exact_history=True`` keeps exactly ``history_limit`` (``MAXLEN =``): once the room
    is full, every send then trims one entry inside a node, about 75k server instructions per send,
    which is more than the rest of the script (docs/pubsub/chat.md, "Where the time goes").

    ``typing_interval`` (seconds, client clock ``clock``) throttles typing notices per room and
    sender; ``presence_ttl_ms`` (server clock) is how long a heartbeat keeps a member online.

    :meth:`send` is exactly-once under retries: its script records the reply under an operation id
    (generated per call, or ``operation_id=``) for ``operation_ttl_ms``, so a retry after a lost reply
    returns the first delivery without storing or publishing again.
    """

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        namespace: str = "chat",
        history_limit: int = 1000,
        exact_history: bool = False,
        typing_interval: float = 2.0,
        presence_ttl_ms: int = 15_000,
        clock: Callable[[], float] = time.monotonic,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        self.client = validate_client(client)
        self.keys = ChatKeys(namespace)
        self.history_limit = validate_count(history_limit, "history_limit", minimum=1, maximum=10_000_000)
        if not isinstance(exact_history, bool):
            raise InvalidInput(f"exact_history must be True or False, got {type(exact_history).__name__}")
        self.exact_history = exact_history
        self.typing_interval = validate_seconds(typing_interval, "typing_interval")
        self.presence_ttl_ms = validate_ttl_ms(presence_ttl_ms, "presence_ttl_ms", maximum=MAX_PRESENCE_TTL_MS)
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        if not callable(clock):
            raise InvalidInput(f"clock must be a callable returning seconds, got {type(clock).__name__}")
        self.clock = clock
        self._last_typing: dict[tuple[str, str], float] = {}
        self._send = load_script(client, __package__, "send")
        self._presence = load_script(client, __package__, "presence")

    # ------------------------------------------------------------------------------------ messages

    def send(self, room: str, sender: str, body: str, *, operation_id: str | None = None) -> Delivery:
        """Store and publish one message: ``XADD`` (trimmed) and ``PUBLISH`` in one script, one round trip.

        Sent again with the same ``operation_id`` (within ``operation_ttl_ms``), it returns the first
        delivery (``receivers`` as counted then) and stores and publishes nothing.
        """
        validate_id(room, "room")
        validate_id(sender, "sender")
        validate_body(body)
        op = self.keys.operation(room, operation_id_of(operation_id))
        entry_id, prev, receivers = self._send(
            keys=[self.keys.history(room), op],
            args=[
                self.keys.channel(room),
                self.history_limit,
                "=" if self.exact_history else "~",
                sender,
                body,
                json.dumps(room),
                json.dumps(sender),
                json.dumps(body, ensure_ascii=False),
                self.operation_ttl_ms,
            ],
        )
        # A message ends a typing burst: the sender's next keystroke is announced at once.
        self._last_typing.pop((room, sender), None)
        message = ChatMessage(entry_id, prev, room, sender, parse_stream_id(entry_id)[0], body)
        return Delivery(message, int(receivers))

    def history(self, room: str, *, after: str | None = None, count: int = 100) -> list[ChatMessage]:
        """Up to ``count`` stored messages, oldest first: the latest ones, or those after the id ``after``."""
        validate_id(room, "room")
        validate_count(count, "count", minimum=1, maximum=MAX_PAGE)
        if after is None:
            entries = list(
                reversed(run_command(self.client, ("XREVRANGE", self.keys.history(room), "+", "-", "COUNT", count)))
            )
        else:
            validate_stream_id(after, "after")
            entries = run_command(self.client, ("XRANGE", self.keys.history(room), f"({after}", "+", "COUNT", count))
        return [message_from_entry(room, entry_id, fields) for entry_id, fields in entries]

    def last_id(self, room: str) -> str:
        """The id of the room's newest stored message, ``"0-0"`` for a room without history."""
        validate_id(room, "room")
        newest = run_command(self.client, ("XREVRANGE", self.keys.history(room), "+", "-", "COUNT", 1))
        return newest[0][0] if newest else "0-0"

    def feed(self, room: str, **options: Any) -> RoomFeed:
        """A member's :class:`RoomFeed` of ``room`` (see its options); call ``open()`` on it."""
        return RoomFeed(self, room, **options)

    # ------------------------------------------------------------------------------------ typing

    def typing(self, room: str, sender: str) -> bool:
        """Announce that ``sender`` is typing; returns False (and sends nothing) when throttled.

        At most one notice per ``typing_interval`` per room and sender: a keystroke-driven client
        may call this on every key.  Notices are Pub/Sub only and never stored.
        """
        validate_id(room, "room")
        validate_id(sender, "sender")
        now = self.clock()
        last = self._last_typing.get((room, sender))
        if last is not None and now - last < self.typing_interval:
            return False
        self._last_typing[(room, sender)] = now
        self.client.publish(self.keys.channel(room), TypingNotice(room, sender).to_payload())
        return True

    # ------------------------------------------------------------------------------------ presence

    def heartbeat(self, room: str, name: str) -> list[str]:
        """Mark ``name`` online in ``room`` for ``presence_ttl_ms``; returns who is online."""
        return self._presence_call(room, "beat", name)

    def leave(self, room: str, name: str) -> list[str]:
        """Take ``name`` out of the room's presence at once (no need to wait for the expiry)."""
        return self._presence_call(room, "leave", name)

    def online(self, room: str) -> list[str]:
        """Who is online, sorted: members whose last heartbeat is older than the ttl are pruned first."""
        return self._presence_call(room, "read", "")

    def _presence_call(self, room: str, action: str, name: str) -> list[str]:
        validate_id(room, "room")
        if action != "read":
            validate_id(name, "name")
        names = self._presence(
            keys=[self.keys.presence(room)],
            args=[self.keys.channel(room), room, self.presence_ttl_ms, action, name],
        )
        return sorted(names)
