"""``redisbehaviors report …``: run the suite and write badges, documentation, benchmark and matrix reports.

Sub-commands (each prints where its report is and exits non-zero when the run it reports failed):

``report spec``    run ``tests/spec`` under RESP2 and RESP3, write ``reports/badges/`` and ``reports/site/``
``report site``    rebuild the badges and the site from behaviour JSON files already on disk (no run)
``report bench``   run the benchmarks, then ``redis-benchmark`` on the same server; write ``reports/bench/``
``report matrix``  run the spec on every server found (Redis, Valkey, fakeredis), both protocols; write
                   ``reports/matrix.*``, ``reports/divergences/`` and ``docs/conformance/fakeredis.md``
``report readme``  regenerate README.md's status table from the manifest and the features (``--check``: verify)

Arguments after ``--`` go to pytest, e.g. ``redisbehaviors report spec -- --run-slow -x``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from redisbehaviors.reports.runner import PytestResult, run_pytest, say


def register(subparsers: Any) -> None:
    """Add the ``report`` command and its sub-commands to the ``redisbehaviors`` parser."""
    report = subparsers.add_parser("report", help="run the suite and write reports under reports/", description=__doc__)
    report.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = report.add_subparsers(dest="report_command", required=True)

    spec = commands.add_parser("spec", help="run the spec (RESP2 and RESP3), write badges and the HTML docs")
    _common(spec)
    spec.add_argument("--protocols", type=int, nargs="+", default=[2, 3], choices=[2, 3], help="default: 2 3")
    spec.add_argument("--tests", default="tests/spec", help="what pytest runs (default tests/spec)")
    spec.set_defaults(handler=_records_checked(handle_spec))

    site = commands.add_parser("site", help="rebuild badges and the HTML docs from behaviour JSON files")
    _common(site, pytest_args=False)
    site.add_argument("runs", nargs="*", help="behaviour JSON files (default: <out>/runs/*.json)")
    site.set_defaults(handler=_records_checked(handle_site), pytest_args=[])

    bench = commands.add_parser("bench", help="run the benchmarks and write the benchmark report")
    _common(bench)
    bench.add_argument("--tests", default="tests/benchmarks", help="benchmark directory (default tests/benchmarks)")
    bench.add_argument("--requests", type=int, default=20000, help="redis-benchmark -n (default 20000)")
    bench.add_argument(
        "--halt-poll-ns",
        type=int,
        metavar="NS",
        help="on a VM with the haltpoll cpuidle driver (root): let an idle vCPU poll up to NS ns before it halts "
        "while the benchmarks run, then put the old value back (docs/reports.md)",
    )
    bench.set_defaults(handler=handle_bench)

    matrix = commands.add_parser("matrix", help="run the spec on every server found (Redis, Valkey, fakeredis)")
    _common(matrix)
    matrix.add_argument("--tests", default="tests/spec", help="what pytest runs (default tests/spec)")
    matrix.add_argument("--protocols", type=int, nargs="+", default=[2, 3], choices=[2, 3], help="default: 2 3")
    matrix.add_argument(
        "--server-bin", action="append", default=[], metavar="PATH", help="another server binary (repeatable)"
    )
    matrix.add_argument(
        "--server-url", action="append", default=[], metavar="URL", help="a running server to include (repeatable)"
    )
    matrix.add_argument("--only-listed", action="store_true", help="skip discovery; use only --server-bin/--server-url")
    matrix.add_argument("--no-fakeredis", action="store_true", help="leave fakeredis out")
    matrix.add_argument(
        "--docs", type=Path, default=Path("docs/conformance"), help="where fakeredis.md goes (default docs/conformance)"
    )
    matrix.add_argument(
        "--no-run", action="store_true", help="rebuild the reports from <out>/matrix/*.json of the last run"
    )
    matrix.set_defaults(handler=_records_checked(handle_matrix))

    readme = commands.add_parser("readme", help="regenerate README.md's status table from the manifest")
    readme.add_argument("--readme", type=Path, default=Path("README.md"), help="default README.md")
    readme.add_argument("--features", type=Path, default=Path("features"), help="feature files (default features)")
    readme.add_argument("--check", action="store_true", help="change nothing; exit 1 when the table is out of date")
    readme.set_defaults(handler=handle_readme)


def _records_checked(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The handler, with a behaviour file of another schema version reported in one line (exit 2)."""

    @functools.wraps(handler)
    def checked(args: argparse.Namespace) -> int:
        from redisbehaviors.testing.records import SchemaError

        try:
            return handler(args)
        except SchemaError as exc:
            say(str(exc))
            return 2

    return checked


def _common(parser: argparse.ArgumentParser, pytest_args: bool = True) -> None:
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output directory (default reports)")
    parser.add_argument("--features", type=Path, default=Path("features"), help="feature files (default features)")
    parser.add_argument("--quiet", action="store_true", help="show a progress bar per pytest run, not its output")
    if pytest_args:
        parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")


def _extra(args: argparse.Namespace) -> list[str]:
    return [a for a in args.pytest_args if a != "--"]


def _run_tests(
    args: argparse.Namespace, options: list[str], *, label: str, log: Path, env: Mapping[str, str] | None = None
) -> PytestResult:
    """pytest on ``args.tests`` with ``options``, then the arguments after ``--``; says how it went."""
    result = run_pytest([args.tests, *options, *_extra(args)], label=label, log=log, env=env, echo=not args.quiet)
    say(result.describe())
    return result


#: Pages the site links to in its header after a matrix run (paths relative to the site's root).
MATRIX_LINKS = (("Conformance matrix", "../matrix.html"),)


def write_docs(
    runs_paths: list[Path],
    out: Path,
    features_dir: Path,
    badges: bool = True,
    links: Sequence[tuple[str, str]] = (),
) -> tuple[Path, int]:
    """Badges (when asked) and the site from the given runs; returns the index page and the run count."""
    from redisbehaviors.reports.badges import write_badges
    from redisbehaviors.reports.featuredoc import load_features
    from redisbehaviors.reports.results import collect, load_runs
    from redisbehaviors.reports.site import build_site

    runs = load_runs(runs_paths)  # SchemaError for a file of another schema version (see _records_checked)
    if badges:
        write_badges(collect(runs), out / "badges", runs)
    errors: list[str] = []
    features = load_features(features_dir, errors) if features_dir.is_dir() else []
    for error in errors:
        say(f"warning: feature file not rendered: {error}")
    return build_site(features, runs, out / "site", errors, links=links), len(runs)


def handle_spec(args: argparse.Namespace) -> int:
    out: Path = args.out
    results: list[PytestResult] = []
    paths = []
    for number, protocol in enumerate(args.protocols, 1):
        json_path = out / "runs" / f"spec-resp{protocol}.json"
        json_path.unlink(missing_ok=True)
        say(f"[{number}/{len(args.protocols)}] spec under RESP{protocol}: pytest {args.tests}")
        options = ["-q", "--redis-protocol", str(protocol), "--behaviour-json", str(json_path)]
        options += ["--junitxml", str(json_path.with_suffix(".xml"))]
        result = _run_tests(args, options, label=f"RESP{protocol}", log=json_path.with_suffix(".log"))
        results.append(result)
        if json_path.is_file():
            paths.append(json_path)
        else:
            say(f"no behaviour results were written for RESP{protocol} (see {result.log})")
    index, count = write_docs(paths, out, args.features)
    say(f"badges: {out / 'badges'}")
    say(f"living documentation: {index} (from {count} run(s))")
    failed = [r for r in results if not r.ok]
    if failed:
        say("the spec run FAILED: " + "; ".join(r.describe() for r in failed))
        return 1
    return 0


def handle_site(args: argparse.Namespace) -> int:
    out: Path = args.out
    paths = [Path(p) for p in args.runs] or sorted((out / "runs").glob("*.json"))
    if not paths:
        say(f"no behaviour JSON files given or found under {out / 'runs'}; run `redisbehaviors report spec` first")
        return 2
    index, count = write_docs(paths, out, args.features)
    say(f"badges: {out / 'badges'}; living documentation: {index} (from {count} run(s))")
    return 0


def handle_bench(args: argparse.Namespace) -> int:
    from redisbehaviors.reports.bench import REFERENCE_ENV, REQUESTS_ENV, halt_polling, write_bench_report

    out: Path = args.out / "bench"
    results = out / "results.json"
    reference = out / "reference.json"
    for stale in (results, reference):
        stale.unlink(missing_ok=True)
    say(f"benchmarks: pytest {args.tests} (this takes minutes)")
    options = ["-o", "python_files=bench_*.py", "--benchmark-only", "--benchmark-json", str(results)]
    # The conftest of tests/benchmarks measures redis-benchmark on the run's own server when this is set.
    env = {**os.environ, REFERENCE_ENV: str(reference), REQUESTS_ENV: str(args.requests)}
    with halt_polling(args.halt_poll_ns) as idle:
        say(f"benchmarks: CPU idle state {idle}")
        result = _run_tests(args, options, label="benchmarks", log=out / "pytest.log", env=env)
    if reference.is_file():  # the report names the idle state the figures were measured in
        reference.write_text(json.dumps({**json.loads(reference.read_text()), "cpu_idle": idle}))
    if not results.is_file():
        say(f"no benchmark results were written (see {result.log})")
        return result.returncode or 1
    markdown, page = write_bench_report(results, reference if reference.is_file() else None, out)
    say(f"benchmark report: {markdown} and {page}")
    return 0 if result.ok else 1


def handle_matrix(args: argparse.Namespace) -> int:
    import time

    from redisbehaviors.reports.matrix import discover_servers, rebuild, run_matrix

    started = time.monotonic()
    results: list[PytestResult] = []
    if not args.no_run:
        servers = discover_servers(
            args.server_bin, discover=not args.only_listed, urls=args.server_url, fake=not args.no_fakeredis
        )
        if not servers:
            say("no server found: install redis-server, 'redisbehaviors[matrix]', or pass --server-bin / --server-url")
            return 2
        say("servers: " + ", ".join(f"{s.name} ({s.source})" for s in servers))
        results = run_matrix(
            servers, protocols=args.protocols, tests=args.tests, out=args.out, extra=_extra(args), echo=not args.quiet
        )
    missing = [r for r in results if not r.log.with_suffix(".json").is_file()]
    for result in missing:
        say(f"no behaviour records from {result.label}: the run did not finish (see {result.log})")
    outcome = rebuild(args.out, args.features, args.docs, results)
    index, count = write_docs(outcome.json_paths, args.out, args.features, badges=False, links=MATRIX_LINKS)
    say(f"conformance matrix: {outcome.markdown} and {outcome.html}; divergences under {args.out / 'divergences'}")
    say("written: " + ", ".join(str(p) for p in outcome.pages))
    say(f"living documentation with every server: {index} (from {count} run(s))")
    say(f"unexplained failures on real servers: {outcome.unexplained}; {time.monotonic() - started:.0f}s in all")
    return 1 if outcome.unexplained or missing else 0


def handle_readme(args: argparse.Namespace) -> int:
    from redisbehaviors.reports.featuredoc import load_features
    from redisbehaviors.reports.readme import ReadmeError, update_readme

    try:
        fresh = update_readme(args.readme, load_features(args.features), check=args.check)
    except ReadmeError as exc:
        say(f"{args.readme}: {exc}")
        return 2
    if args.check:
        say(
            f"{args.readme}: the status table is "
            + ("up to date" if fresh else "OUT OF DATE: run `redisbehaviors report readme`")
        )
        return 0 if fresh else 1
    say(f"{args.readme}: the status table " + ("was already up to date" if fresh else "was regenerated"))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m redisbehaviors.reports.cli spec`` works without the top-level command too."""
    parser = argparse.ArgumentParser(prog="redisbehaviors")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
