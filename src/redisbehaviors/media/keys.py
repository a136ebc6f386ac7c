"""The media pipeline's key schema: every key the pipeline touches is built here.

All keys of one pipeline share the hash tag ``{<pipeline>}``: the scripts that apply a job and
acknowledge it, dead-letter it or replay it touch the job stream, a marker and another stream
at once, so they must live in one cluster slot.  The price: one pipeline is one slot on one
node.  Spread load over several pipelines (per tenant or per kind of work) when one node is
not enough.

    <ns>:{<pipeline>}:jobs                 stream   submitted jobs (the consumer group reads this)
    <ns>:{<pipeline>}:dead                 stream   dead letters: reason, deliveries, original id
    <ns>:{<pipeline>}:results              stream   one entry per applied job (the job's effect)
    <ns>:{<pipeline>}:mark:<job>           string   "applied" or "dead": the job's outcome, with a TTL
    <ns>:{<pipeline>}:submitted:<job>      string   "<entry id> <operation id>" of a submit, with a TTL
    <ns>:{<pipeline>}:op:<operation>       string   the reply of a finished step (JSON), kept for a retry

Job ids and operation ids are identifiers (no ``:``, braces or whitespace), and each kind of key has
its own fixed segment, so no two parts can make the same key.
"""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace


@dataclass(frozen=True)
class MediaKeys:
    namespace: str
    pipeline: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        validate_id(self.pipeline, "pipeline")

    def _key(self, *parts: str) -> str:
        return tagged(self.namespace, self.pipeline, *parts)

    @property
    def jobs(self) -> str:
        return self._key("jobs")

    @property
    def dead(self) -> str:
        return self._key("dead")

    @property
    def results(self) -> str:
        return self._key("results")

    def mark(self, job_id: str) -> str:
        return self._key("mark", job_id)

    def submitted(self, job_id: str) -> str:
        return self._key("submitted", job_id)

    def op(self, operation_id: str) -> str:
        return self._key("op", operation_id)
