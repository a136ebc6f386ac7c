"""Errors of the media pipeline."""

from __future__ import annotations

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError, UnknownEntity


class MediaError(RedisBehaviorsError):
    """Base class of the media pipeline's errors."""


class LeaseLost(MediaError):
    """The job is no longer pending with this consumer: it was reclaimed, acknowledged or dead-lettered."""


class NotReplayable(MediaError, InvalidInput):
    """A dead letter without a job body (the entry was deleted from the stream) cannot be replayed."""


class UnknownDeadLetter(MediaError, UnknownEntity):
    """No dead letter has this id."""
