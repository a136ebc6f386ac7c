"""The lock's key schema: every key a lock and its fenced resource touch is built here.

All keys of one lock share the hash tag ``{<name>}``, so the acquire script (lock + fence
counter + waiting marker), the release script (lock + wake-up list + marker) and the fenced write (fence counter +
highest-seen token + resource) each stay in one cluster slot and run as one atomic script.

    <ns>:{<name>}:lock             string  the holder's secret token, PX = the lease TTL
    <ns>:{<name>}:fence            string  the last fencing token issued (INCR); never expires
    <ns>:{<name>}:wake             list    one element pushed by a release, popped by a waiter (BLPOP)
    <ns>:{<name>}:waiting          string  present while someone waits: only then does a release push
    <ns>:{<name>}:resource         hash    the protected data of a FencedResource
    <ns>:{<name>}:resource-fence   string  the highest fencing token a write carried
    <ns>:{<name>}:resource-log     list    fencing tokens of accepted writes, newest first (optional)
    <ns>:{<name>}:op:<operation>   string  the reply of a finished release or fenced write, PX = a few
                                           minutes: its retry replies the same (redisbehaviors.idempotency)
"""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace


@dataclass(frozen=True)
class LockKeys:
    namespace: str
    name: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        validate_id(self.name, "lock name")

    def _key(self, part: str) -> str:
        return tagged(self.namespace, self.name, part)

    @property
    def lock(self) -> str:
        return self._key("lock")

    @property
    def fence(self) -> str:
        return self._key("fence")

    @property
    def wake(self) -> str:
        return self._key("wake")

    @property
    def waiting(self) -> str:
        return self._key("waiting")

    @property
    def resource(self) -> str:
        return self._key("resource")

    @property
    def resource_fence(self) -> str:
        return self._key("resource-fence")

    @property
    def resource_log(self) -> str:
        return self._key("resource-log")

    def operation(self, operation_id: str) -> str:
        return tagged(self.namespace, self.name, "op", validate_id(operation_id, "operation_id"))
