"""Server-side sessions: sliding idle expiry under an absolute cap, rotation, revoke one or all."""

from redisbehaviors.sessions.aio import AsyncSessionStore
from redisbehaviors.sessions.keys import SessionKeys, bucket_of, validate_token
from redisbehaviors.sessions.store import Session, SessionNotFound, SessionStore

__all__ = [
    "AsyncSessionStore",
    "Session",
    "SessionKeys",
    "SessionNotFound",
    "SessionStore",
    "bucket_of",
    "validate_token",
]
