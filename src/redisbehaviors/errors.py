"""The error types every component raises.  Each topic adds its own subclasses beside its component."""

from __future__ import annotations


class RedisBehaviorsError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidInput(RedisBehaviorsError, ValueError):
    """An argument was rejected before anything was sent to Redis."""


class UnknownEntity(RedisBehaviorsError, LookupError):
    """The call names something (a product, an order, a session…) that does not exist."""


class OutcomeUnknown(RedisBehaviorsError):
    """The connection broke after the command was sent: it may or may not have run.

    Raised only by operations that cannot be made idempotent cheaply (see each component's docs);
    the caller resolves it by reading the state, for example with the operation id it passed.
    """
