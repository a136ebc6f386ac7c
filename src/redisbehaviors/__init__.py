"""redisbehaviors: an executable specification of Redis, and small components built on it."""

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError, UnknownEntity

__all__ = ["InvalidInput", "RedisBehaviorsError", "UnknownEntity"]
__version__ = "0.1.0"
