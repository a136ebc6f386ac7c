"""TTL & locks: a lease lock with fencing tokens, for "one editor of this profile at a time"."""

from redisbehaviors.locks.aio import AsyncFencedLock, AsyncFencedResource, AsyncLease, AsyncRenewal
from redisbehaviors.locks.errors import (
    LockError,
    LockNotHeld,
    LockTimeout,
    StaleFencingToken,
    UnknownFencingToken,
)
from redisbehaviors.locks.fenced import FencedResource
from redisbehaviors.locks.keys import LockKeys
from redisbehaviors.locks.lock import FencedLock, Lease, Renewal

__all__ = [
    "AsyncFencedLock",
    "AsyncFencedResource",
    "AsyncLease",
    "AsyncRenewal",
    "FencedLock",
    "FencedResource",
    "Lease",
    "LockError",
    "LockKeys",
    "LockNotHeld",
    "LockTimeout",
    "Renewal",
    "StaleFencingToken",
    "UnknownFencingToken",
]
