"""Handlers the command line can run by name; any ``module:function`` with the same signature works too."""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping
from typing import Any

from redisbehaviors.errors import InvalidInput
from redisbehaviors.media.pipeline import Job
from redisbehaviors.media.worker import Handler, Lease


class JobFailed(Exception):
    """Raised by :func:`simulate` for a job that asks to fail."""


def noop(job: Job, lease: Lease) -> None:
    """Do nothing: the job is acknowledged with no result (benchmarks measure the pipeline alone)."""
    return None


def simulate(job: Job, lease: Lease) -> Mapping[str, Any]:
    """Pretend to process a media file.

    Payload fields: ``work_ms`` (time the work takes, split in steps that extend the lease),
    ``fail`` (``"always"``: raise, a poison job), ``source`` (echoed in the result).
    """
    if job.payload.get("fail") == "always":
        raise JobFailed(f"cannot {job.kind} {job.payload.get('source', job.job_id)!r}: unsupported codec")
    work_ms = float(job.payload.get("work_ms", 0) or 0)
    step_ms = 200.0
    while work_ms > 0:
        time.sleep(min(work_ms, step_ms) / 1000)  # the simulated work itself, not a wait for state
        work_ms -= step_ms
        if work_ms > 0:
            lease.extend()
    return {"output": f"{job.kind}:{job.payload.get('source', job.job_id)}", "deliveries": job.deliveries}


BUILTIN: dict[str, Handler] = {"noop": noop, "simulate": simulate}


def resolve(name: str) -> Handler:
    """``noop``, ``simulate`` or ``package.module:function``."""
    if name in BUILTIN:
        return BUILTIN[name]
    module_name, _, attribute = name.partition(":")
    if not module_name or not attribute:
        raise InvalidInput(f"handler must be one of {sorted(BUILTIN)} or module:function, got {name!r}")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise InvalidInput(f"cannot load handler {name!r}: {exc}") from exc
    if not callable(handler):
        raise InvalidInput(f"handler {name!r} is not callable")
    return handler
