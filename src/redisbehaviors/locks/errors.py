"""Errors of the lock component; callers catch these by type."""

from __future__ import annotations

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError


class LockError(RedisBehaviorsError):
    """Base class of the lock component's errors."""


class LockNotHeld(LockError):
    """Release or extend by a lease whose lock is gone or held by someone else (nothing was changed)."""


class LockTimeout(LockError, TimeoutError):
    """A blocking acquire did not get the lock within its timeout."""


class StaleFencingToken(LockError):
    """A fenced write carried a token older than one the resource has already seen (nothing was written)."""

    def __init__(self, token: int, highest: int) -> None:
        super().__init__(f"fencing token {token} is older than {highest}, the highest seen: write refused")
        self.token = token
        self.highest = highest


class UnknownFencingToken(LockError, InvalidInput):
    """A fenced write carried a token the lock never issued (nothing was written)."""
