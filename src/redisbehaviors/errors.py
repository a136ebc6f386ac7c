"""The error types every component raises.  Each topic adds its own subclasses beside its component."""

from __future__ import annotations


class RedisBehaviorsError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidInput(RedisBehaviorsError, ValueError):
    """An argument was rejected before anything was sent to Redis."""


class UnknownEntity(RedisBehaviorsError, LookupError):
    """The call names something (a product, an order, a session…) that does not exist."""
