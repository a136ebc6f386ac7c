"""Reports: badges per behaviour, living documentation, the benchmark report, the version matrix, the README table.

Everything is built from files a run leaves behind: the behaviour records that ``--behaviour-json``
writes (:mod:`redisbehaviors.testing.records`, a versioned schema: one record per scenario, and the
server's version, vendor and protocol) and pytest-benchmark's JSON.  The ``redisbehaviors report``
command (:mod:`redisbehaviors.reports.cli`) runs the suite and writes them under ``reports/``.

Pages come from Jinja2 templates (:mod:`redisbehaviors.reports.render`) and charts from pygal
(:mod:`redisbehaviors.reports.charts`); the topics, their titles and components from the manifest
(:mod:`redisbehaviors.topics`).
"""
