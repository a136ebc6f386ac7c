"""A pytest plugin that writes the run's progress as structured events, one JSON object a line.

The report commands load it into their pytest subprocess (``-p redisbehaviors.reports.events``
with ``--progress-events PATH``) and read the file as it grows (:mod:`redisbehaviors.reports.runner`),
so progress comes from pytest's own hooks and not from its terminal output::

    {"event": "collected", "total": 268}
    {"event": "test", "nodeid": "tests/spec/test_lua.py::test_x", "category": "passed"}
    {"event": "finished", "exitstatus": 0, "seconds": 81.2}

``category`` is the one pytest's terminal counts under (``pytest_report_teststatus``): ``passed``,
``failed``, ``skipped``, ``error``, ``xfailed``, ``xpassed``.  A collection error is a ``test`` event
with category ``error``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

import pytest

EVENTS_OPTION = "--progress-events"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("redisbehaviors").addoption(
        EVENTS_OPTION, default=None, metavar="PATH", help="append progress events (JSON lines) to PATH"
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("progress_events")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(EventWriter(config, Path(path)), "redisbehaviors-progress-events")


class EventWriter:
    """Writes one line per event and flushes it, so a reader sees each test as it ends."""

    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.config = config
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: IO[str] = path.open("a", encoding="utf-8")
        self.started = time.monotonic()

    def emit(self, event: str, **fields: Any) -> None:
        self.file.write(json.dumps({"event": event, **fields}) + "\n")
        self.file.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.emit("collected", total=len(session.items))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit("test", nodeid=report.nodeid, category="error")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        category, _letter, _word = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        if category:  # "" for the setup and teardown of a test that went well
            self.emit("test", nodeid=report.nodeid, category=category)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.emit("finished", exitstatus=int(exitstatus), seconds=round(time.monotonic() - self.started, 2))

    def pytest_unconfigure(self) -> None:
        self.file.close()
