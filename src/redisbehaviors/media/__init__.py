"""Streams & consumer groups: a media job pipeline with at-least-once delivery, reclaim and dead letters."""

from redisbehaviors.media.errors import LeaseLost, MediaError, NotReplayable, UnknownDeadLetter
from redisbehaviors.media.keys import MediaKeys
from redisbehaviors.media.monitor import ConsumerHealth, Monitor, PipelineHealth
from redisbehaviors.media.pipeline import (
    DeadLetter,
    FailOutcome,
    Job,
    MediaPipeline,
    ReclaimPass,
    RetireResult,
    ServerFeatures,
    Submitted,
)
from redisbehaviors.media.worker import Handler, Lease, Worker, WorkerStats

__all__ = [
    "ConsumerHealth",
    "DeadLetter",
    "FailOutcome",
    "Handler",
    "Job",
    "Lease",
    "LeaseLost",
    "MediaError",
    "MediaKeys",
    "MediaPipeline",
    "Monitor",
    "NotReplayable",
    "PipelineHealth",
    "ReclaimPass",
    "RetireResult",
    "ServerFeatures",
    "Submitted",
    "UnknownDeadLetter",
    "Worker",
    "WorkerStats",
]
