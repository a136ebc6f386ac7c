"""Errors the chat raises."""

from __future__ import annotations

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError


class ChatError(RedisBehaviorsError):
    """Base class of the chat's errors."""


class PayloadError(ChatError, ValueError):
    """A payload received on a room channel is not a chat payload this version can read."""


class InvalidMessage(InvalidInput):
    """A message body (or name) was rejected before anything was sent to Redis."""


class NotSubscribed(ChatError, ConnectionError):
    """The room's channel could not be subscribed within the time allowed."""
