"""One record per behaviour (``--behaviour-json``): the versioned schema shared by writer and reader.

Registered as its own pytest plugin (entry point ``pytest11`` ``redisbehaviors-records``).  With
``--behaviour-json PATH`` a run writes one :class:`BehaviourRecord` per pytest-bdd scenario (one per
Examples row of an outline) and the :class:`ServerBlock` of the server it ran against, as a
:class:`RecordFile`.  The reports (:mod:`redisbehaviors.reports.results`) read the same dataclasses
back, so the contract between them is this module, not a set of string keys.

The file carries :data:`SCHEMA_VERSION`; a reader refuses any other version with
:class:`SchemaError` rather than guessing at renamed or missing fields.  Change the version whenever
a field is renamed, removed or changes meaning (adding a field with a default needs no change).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

#: Version 1 was the unversioned dict the plugin wrote before this module; 2 added the vendor fields.
SCHEMA_VERSION = 2


class SchemaError(ValueError):
    """A behaviour file this version of redisbehaviors cannot read."""


@dataclass(frozen=True)
class ServerBlock:
    """The server and protocol of one run.

    ``version`` is the Redis-compatible version the server reports (``redis_version``); ``vendor`` and
    ``vendor_version`` name the product when it is not Redis itself (Valkey reports both), else stay empty.
    """

    version: str
    protocol: int
    backend: str = ""
    mode: str = "standalone"
    vendor: str = ""
    vendor_version: str = ""

    @property
    def other_vendor(self) -> bool:
        """True when the server is not Redis itself (Valkey, an emulator)."""
        return bool(self.vendor) and self.vendor.lower() != "redis"

    @property
    def label(self) -> str:
        """``"7.0.15 RESP3"``, or ``"valkey 8.1.1 RESP3"`` for another vendor (runs are keyed by it)."""
        if self.other_vendor:
            return f"{self.vendor} {self.vendor_version or self.version} RESP{self.protocol}"
        return f"{self.version} RESP{self.protocol}"

    @property
    def product(self) -> str:
        """``"Redis 8.2.3"``, or ``"valkey 8.1.1 (Redis 7.2.4)"``."""
        if self.other_vendor:
            return f"{self.vendor} {self.vendor_version} (Redis {self.version})"
        return f"Redis {self.version}"

    @property
    def sort_key(self) -> tuple[tuple[int, ...], str, str, int, str]:
        return (version_key(self.version), self.vendor, self.vendor_version, self.protocol, self.backend)


@dataclass(frozen=True)
class BehaviourRecord:
    """One scenario (or one Examples row of an outline) in one run.

    ``outcome`` is pytest's (``passed``, ``failed``, ``skipped``); ``reason`` is the skip reason as the
    harness words it (``needs Redis >= 7.2, server is 7.0.15``).
    """

    topic: str
    feature_file: str  # relative to the features directory: "fundamentals/hashes.feature"
    feature: str
    rule: str
    scenario: str
    tags: tuple[str, ...]
    line: int
    nodeid: str
    outcome: str
    reason: str = ""
    duration: float = 0.0
    #: A failure's one-line message ("expected …, Redis replied …"): what the server answered instead.
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "tags": list(self.tags)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BehaviourRecord:
        tags = data.get("tags", [])
        if not isinstance(tags, list):
            raise SchemaError(f"tags of {data.get('nodeid', '?')} must be a list, not {tags!r}")
        return cls(**{**_known(cls, data), "tags": tuple(map(str, tags)), "line": int(data["line"])})


@dataclass
class RecordFile:
    """What ``--behaviour-json`` writes: the schema version, the server, and every record."""

    server: ServerBlock
    behaviours: list[BehaviourRecord] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "server": asdict(self.server),
            "behaviours": [b.to_json() for b in self.behaviours],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "behaviour file") -> RecordFile:
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != SCHEMA_VERSION:
            found = "no schema_version (written before schemas were versioned)" if version is None else version
            raise SchemaError(
                f"{source}: behaviour records of schema version {found}, this redisbehaviors reads version "
                f"{SCHEMA_VERSION}; run the spec again with this version (`redisbehaviors report spec`)"
            )
        server = ServerBlock(**_known(ServerBlock, data["server"]))
        return cls(server, [BehaviourRecord.from_json(b) for b in data.get("behaviours", [])], version)

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), indent=1))

    @classmethod
    def read(cls, path: str | Path) -> RecordFile:
        try:
            data = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path}: not a behaviour file ({exc})") from exc
        return cls.from_json(data, str(path))


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``cls`` present in ``data``: a missing one takes its default, or fails loudly."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def version_key(version: str) -> tuple[int, ...]:
    """``"7.0.15"`` -> ``(7, 0, 15)`` for sorting."""
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


# ---------------------------------------------------------------------------------------------- the writer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("redisbehaviors")
    group.addoption("--behaviour-json", default=None, help="write one JSON record per behaviour to this file")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("behaviour_json", None)
    if path and not hasattr(config, "workerinput"):  # an xdist worker reports to its controller instead
        config.pluginmanager.register(RecordWriter(config, Path(path)), "redisbehaviors-records-writer")


def record_of(report: pytest.TestReport) -> BehaviourRecord | None:
    """The record of a pytest-bdd scenario's report, from the ``bdd.*`` properties the harness set."""
    props = {k.removeprefix("bdd."): v for k, v in report.user_properties if k.startswith("bdd.")}
    if "scenario" not in props:
        return None
    if report.when != "call" and not (report.skipped or report.failed):
        return None
    reason = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    message = failure_message(report) if report.failed else ""
    return BehaviourRecord(
        topic=str(props.get("topic", "")),
        feature_file=str(props["feature_file"]),
        feature=str(props.get("feature", "")),
        rule=str(props.get("rule", "")),
        scenario=str(props["scenario"]),
        tags=tuple(str(props.get("tags", "")).split()),
        line=int(props.get("line", 0)),
        nodeid=report.nodeid,
        outcome=report.outcome,
        reason=reason,
        duration=round(report.duration, 4),
        message=message,
    )


#: Longer failure messages are cut: a record says what was answered, the log has the rest.
MESSAGE_LIMIT = 600


def failure_message(report: pytest.TestReport) -> str:
    """The first line of what failed (``AssertionError: expected …, got …``), without the exception's name."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(report.longrepr or "")
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = re.sub(r"^(?:[\w.]+\.)?AssertionError: ", "", first)
    return first[:MESSAGE_LIMIT]


def server_block(target: Any) -> ServerBlock:
    """The server block of the run's target (vendor fields when the harness detected them)."""
    return ServerBlock(
        version=target.version_text,
        protocol=int(target.protocol),
        backend=str(target.backend),
        mode=str(target.mode),
        vendor=str(getattr(target, "vendor", "") or ""),
        vendor_version=_version_text(getattr(target, "vendor_version", "")),
    )


def _version_text(version: object) -> str:
    """``(8, 1, 1)`` (the harness's ``Version``) or ``"8.1.1"`` -> ``"8.1.1"``; nothing -> ``""``."""
    if isinstance(version, tuple):
        return ".".join(map(str, version))
    return str(version or "")


class RecordWriter:
    """Collects the records of one session and writes them as a :class:`RecordFile` at its end."""

    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.config = config
        self.path = path
        self.records: dict[str, BehaviourRecord] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = record_of(report)
        if record is None:
            return
        previous = self.records.get(record.nodeid)
        # One record per test: a failing teardown after a passing call makes the behaviour fail.
        if previous is None or record.outcome == "failed":
            self.records[record.nodeid] = record

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from redisbehaviors.testing import plugin

        # Read the stash, not get_target(): a run that never needed a server must not start one now.
        target = self.config.stash.get(plugin._target_key, None)
        if target is not None:
            RecordFile(server_block(target), list(self.records.values())).write(self.path)
