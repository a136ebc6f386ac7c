"""Run pytest in a subprocess, show its progress from structured events, and keep its output in a log.

The subprocess loads :mod:`redisbehaviors.reports.events`, which appends one JSON line per
collected run, finished test and session end to a file beside the log; this module reads that file
as it grows and shows a progress bar (rich) on a terminal, or a line every 15 seconds in a CI log.
pytest's own output goes to the log, and also to the screen unless ``echo`` is off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from redisbehaviors.reports.events import EVENTS_OPTION

#: Variables that would silently redirect a run to another server than the one asked for.
SERVER_VARIABLES = ("REDIS_URL", "REDIS_SERVER_BIN", "REDIS_BACKEND", "REDIS_PROTOCOL", "REDIS_CLUSTER_URL")
#: pytest's order of the counts in its closing line.
CATEGORIES = ("failed", "passed", "skipped", "xfailed", "xpassed", "error")
CI_INTERVAL = 15.0


@dataclass
class RunProgress:
    """What the events of one run say so far."""

    total: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    tests: set[str] = field(default_factory=set)
    exitstatus: int | None = None
    seconds: float | None = None

    def feed(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "collected":
            self.total = int(event["total"])
        elif kind == "test":
            self.counts[str(event["category"])] += 1
            self.tests.add(str(event["nodeid"]))
        elif kind == "finished":
            self.exitstatus = int(event["exitstatus"])
            self.seconds = float(event["seconds"])

    @property
    def done(self) -> int:
        return len(self.tests)

    def counts_text(self) -> str:
        """``"1 failed, 40 passed, 3 skipped"``: the non-zero counts in pytest's order and words."""
        parts = []
        for category in CATEGORIES:
            number = self.counts[category]
            if number:
                word = "errors" if category == "error" and number > 1 else category
                parts.append(f"{number} {word}")
        return ", ".join(parts)

    def describe(self) -> str:
        total = f"/{self.total}" if self.total is not None else ""
        return f"{self.done}{total} tests done" + (f", {self.counts_text()}" if self.counts else "")

    def summary(self) -> str:
        """pytest's closing line, rebuilt from the events: ``"1 failed, 1 passed in 0.12s"``."""
        if self.seconds is None:
            return ""
        return f"{self.counts_text() or 'no tests ran'} in {self.seconds:.2f}s"


class EventFile:
    """Reads the complete lines appended to the events file since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        with self.path.open("rb") as file:
            file.seek(self.offset)
            data = file.read()
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class PytestResult:
    """How one pytest subprocess ended."""

    label: str
    command: list[str]
    returncode: int
    seconds: float
    summary: str
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        state = "ok" if self.ok else f"FAILED (exit {self.returncode})"
        summary = self.summary or "no summary line"
        return f"{self.label}: {summary} — {state}, {self.seconds:.0f}s, log {self.log}"


def clean_environment(base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a run that chooses its server by options only."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if k not in SERVER_VARIABLES}
    env.update(extra or {})
    return env


class Display:
    """A rich progress bar on a terminal; elsewhere (CI logs) a plain line every :data:`CI_INTERVAL` s."""

    def __init__(self, label: str, out: TextIO, echo: bool) -> None:
        self.label, self.out, self.echo = label, out, echo
        self.console = Console(file=out, highlight=False)
        self.bar: Progress | None = None
        self.shown_at = time.monotonic()
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("    [bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.task = self.bar.add_task(label, total=None, counts="collecting")
            self.bar.start()

    def output(self, text: str) -> None:
        """pytest's own output, shown when ``echo`` is on (above the bar on a terminal)."""
        if not self.echo:
            return
        if self.bar is not None:
            self.bar.console.print(text, end="", markup=False, soft_wrap=True)
        else:
            self.out.write(text)
            self.out.flush()

    def update(self, progress: RunProgress) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=progress.total, completed=progress.done, counts=progress.counts_text())
        elif not self.echo and time.monotonic() - self.shown_at >= CI_INTERVAL:
            self.out.write(f"    {self.label}: {progress.describe()}\n")
            self.out.flush()
            self.shown_at = time.monotonic()

    def close(self, progress: RunProgress) -> None:
        if self.bar is not None:
            self.bar.stop()
        if not self.echo:
            self.out.write(f"    {self.label}: {progress.describe()}\n")
            self.out.flush()


def _copy_output(stream: IO[bytes], log: IO[str], display: Display) -> None:
    """Copy pytest's output to the log, and whole lines to the display (a thread: the pipe must not fill)."""
    pending = ""
    while chunk := stream.read1(4096):  # type: ignore[attr-defined]
        text = chunk.decode("utf-8", "replace")
        log.write(text)
        pending += text
        lines, newline, pending = pending.rpartition("\n")
        if newline:
            display.output(lines + "\n")
    if pending:
        display.output(pending)


def run_pytest(
    args: Sequence[str],
    *,
    label: str,
    log: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    echo: bool = True,
    out: TextIO | None = None,
) -> PytestResult:
    """Run ``python -m pytest <args>`` with the events plugin; show its progress; log its whole output.

    With ``echo`` pytest's output is shown too; the result's ``summary`` is pytest's closing line
    rebuilt from the events (``"80 passed, 2 skipped in 12.30s"``).
    """
    out = out or sys.stdout
    events_path = log.with_suffix(".events.jsonl")
    log.parent.mkdir(parents=True, exist_ok=True)
    events_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-p", "redisbehaviors.reports.events"]
    command += [EVENTS_OPTION, str(events_path.resolve()), *args]
    started = time.monotonic()
    progress, events, display = RunProgress(), EventFile(events_path), Display(label, out, echo)
    with log.open("w", encoding="utf-8") as log_file:
        log_file.write("$ " + " ".join(command) + "\n")
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        copier = threading.Thread(target=_copy_output, args=(process.stdout, log_file, display), daemon=True)
        copier.start()
        try:
            while process.poll() is None:
                _feed(progress, events, display)
                time.sleep(0.2)
        finally:
            returncode = process.wait()
            copier.join()
            _feed(progress, events, display)
            display.close(progress)
    return PytestResult(label, command, returncode, time.monotonic() - started, progress.summary(), log)


def _feed(progress: RunProgress, events: EventFile, display: Display) -> None:
    for event in events.read():
        progress.feed(event)
    display.update(progress)


def say(message: str, out: TextIO | None = None) -> None:
    """A progress line of the report command itself (distinct from pytest's own output)."""
    stream = out or sys.stdout
    stream.write(f"\n>>> {message}\n")
    stream.flush()
