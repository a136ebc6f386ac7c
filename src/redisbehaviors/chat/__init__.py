"""Pub/Sub: a room chat with live delivery, a Stream history, typing indicators and presence."""

from redisbehaviors.chat.chat import Chat, Delivery
from redisbehaviors.chat.errors import ChatError, InvalidMessage, NotSubscribed, PayloadError
from redisbehaviors.chat.feed import (
    Disconnected,
    Event,
    Gap,
    PresenceChanged,
    Reconnected,
    RoomFeed,
    TypingChanged,
    TypingTracker,
    UnreadablePayload,
)
from redisbehaviors.chat.keys import ChatKeys
from redisbehaviors.chat.payload import ChatMessage, PresenceNotice, TypingNotice, decode_payload

__all__ = [
    "Chat",
    "ChatError",
    "ChatKeys",
    "ChatMessage",
    "Delivery",
    "Disconnected",
    "Event",
    "Gap",
    "InvalidMessage",
    "NotSubscribed",
    "PayloadError",
    "PresenceChanged",
    "PresenceNotice",
    "Reconnected",
    "RoomFeed",
    "TypingChanged",
    "TypingNotice",
    "TypingTracker",
    "UnreadablePayload",
    "decode_payload",
]
