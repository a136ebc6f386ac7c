"""Reports: badges per behaviour, living documentation, the benchmark report and the version matrix.

Everything is built from files a run leaves behind: the harness's ``--behaviour-json`` records
(one per scenario, with the server's version and protocol) and pytest-benchmark's JSON.  The
``redisbehaviors report`` command (:mod:`redisbehaviors.reports.cli`) runs the suite and writes
them under ``reports/``.
"""
