"""Run pytest in a subprocess, showing its progress, and keep its output in a log file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

#: pytest's closing line, e.g. "==== 80 passed, 2 skipped in 12.3s ====" or "80 passed in 1.1s".
SUMMARY = re.compile(r"\b\d+ (passed|failed|skipped|errors?|deselected|xfailed|xpassed|warnings?)\b.* in [\d.]+s")
#: Variables that would silently redirect a run to another server than the one asked for.
SERVER_VARIABLES = ("REDIS_URL", "REDIS_SERVER_BIN", "REDIS_BACKEND", "REDIS_PROTOCOL", "REDIS_CLUSTER_URL")


PROGRESS_CHARS = ".FsExX"
PERCENT = re.compile(r"\[\s*(\d+)%\]$")
#: ``....F.s`` (``-q``) or ``tests/x.py ....F.s`` (default verbosity), before the ``[ NN%]``.
PROGRESS_LINE = re.compile(r"(?:\S+\.py )?[.FsExX]*")


@dataclass
class ProgressCounter:
    """Counts pytest's progress characters (``.`` passed, ``F`` failed, ``s`` skipped, …).

    A progress line holds only those characters, after the test file's name at the default
    verbosity, then ``[ 42%]``; counting stops at the first section rule (``====`` or ``____``)
    once progress has begun, where failures and the summary start.
    """

    counts: dict[str, int] = field(default_factory=dict)
    line: str = ""
    finished: bool = False
    percent: int | None = None

    def feed(self, text: str) -> None:
        for char in text:
            if self.finished:
                return
            if char == "\n":
                self.line = ""
                continue
            if not self.line and char in "=_" and self.counts:
                self.finished = True
                return
            self.line += char
            if char in PROGRESS_CHARS and PROGRESS_LINE.fullmatch(self.line):
                self.counts[char] = self.counts.get(char, 0) + 1
            if char == "]" and (match := PERCENT.search(self.line)):
                self.percent = int(match.group(1))

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        failed = self.counts.get("F", 0) + self.counts.get("E", 0)
        share = f" ({self.percent}%)" if self.percent is not None else ""
        return f"{self.done} tests done{share}, {failed} failed, {self.counts.get('s', 0)} skipped"


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
    """Run ``python -m pytest <args>``; stream its output (the progress dots) unless ``echo`` is off.

    Without ``echo`` a one-line count of the tests done so far is shown instead, at most every
    second on a terminal and every 15 seconds otherwise (CI logs).  The whole output is written to
    ``log`` either way; the result carries pytest's closing line.
    """
    out = out or sys.stdout
    command = [sys.executable, "-m", "pytest", *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = ""
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
        pending = b""
        counter = ProgressCounter()
        tty = out.isatty()
        shown_at, shown = time.monotonic(), -1
        while chunk := process.stdout.read1(4096):  # type: ignore[attr-defined]
            text = chunk.decode("utf-8", "replace")
            log_file.write(text)
            if echo:
                out.write(text)
                out.flush()
            else:
                counter.feed(text)
                now = time.monotonic()
                if counter.done != shown and now - shown_at >= (1 if tty else 15):
                    out.write(f"\r    {label}: {counter.describe()}" + ("" if tty else "\n"))
                    out.flush()
                    shown_at, shown = now, counter.done
            pending = (pending + chunk)[-8192:]
            for line in pending.decode("utf-8", "replace").splitlines():
                if SUMMARY.search(line):
                    summary = line.strip(" =")
        returncode = process.wait()
    if not echo and tty and shown >= 0:
        out.write("\n")
    return PytestResult(label, command, returncode, time.monotonic() - started, summary, log)


def say(message: str, out: TextIO | None = None) -> None:
    """A progress line of the report command itself (distinct from pytest's own output)."""
    stream = out or sys.stdout
    stream.write(f"\n>>> {message}\n")
    stream.flush()
