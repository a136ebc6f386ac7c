"""Server-side sessions: sliding idle expiry under an absolute cap, rotation, revoke one or all."""

from redisbehaviors.sessions.keys import SessionKeys, bucket_of, validate_token
from redisbehaviors.sessions.store import Session, SessionNotFound, SessionStore

__all__ = ["Session", "SessionKeys", "SessionNotFound", "SessionStore", "bucket_of", "validate_token"]
