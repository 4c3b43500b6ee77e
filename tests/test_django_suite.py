"""Differential tests as wide as Django's own test suite.

Django's test classes for ``queries`` (with union/intersection/difference), ``expressions``,
``expressions_window``, ``expressions_case``, ``annotations``, ``aggregation``, ``db_functions``,
``model_fields`` (JSONField included), ``model_inheritance`` and ``postgres_tests`` are lifted
under tests/django_suite/ (see its README) and run under a harness that streams every QuerySet
they evaluate through ``cursor_stream.stream()`` (and ``stream_batches()``/``fetch_page()``) and
compares the rows with the ORM's, strictly (types included). Each test below is one lifted
module under one time-zone variant: it fails when any streamed row differed, listing every
difference, or when fewer distinct SQL shapes than its floor were compared (so that the run
cannot silently degrade to comparing nothing). The totals are printed at the end of the run.

The lifted tests run in two child processes, one per variant, side by side: their hundreds of
tables live in their own test database, not in the one every other test flushes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Least number of distinct compared SQL shapes (SQL text and kind of row, those of the other
#: kinds of row included) per lifted module and variant: about 85% of the fewest that Django
#: 5.2, 6.0 and 6.1 give.
FLOORS = {
    "queries": 620,
    "expressions": 230,
    "expressions_window": 105,
    "expressions_case": 100,
    "annotations": 150,
    "aggregation": 290,
    "db_functions": 520,
    "model_fields": 270,
    "model_inheritance": 60,
    "postgres_tests": 470,
}
VARIANTS = ["aware", "naive"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def _selected(session: pytest.Session) -> dict[str, set[str]]:
    """Return the modules wanted per variant by the tests of this file that will run."""
    wanted: dict[str, set[str]] = {}
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is not None and item.module.__name__ == __name__ and callspec:
            wanted.setdefault(callspec.params["variant"], set()).add(callspec.params["module"])
    return wanted


class _Summary:
    """Print the totals at the end of the pytest run (they are quoted in reports)."""

    def __init__(self) -> None:
        self.reports: dict[str, dict[str, Any]] = {}

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.reports:
            return
        write = terminalreporter.write_line
        terminalreporter.section("differential run of Django's test suite")
        write(
            f"{'variant':7} {'module':18} {'classes':>7} {'tests':>6} {'failed':>6} "
            f"{'compared':>8} {'shapes':>6} {'other kind':>10} {'refused':>7} {'not compared':>12} "
            f"{'mismatches':>10}"
        )
        for variant, report in sorted(self.reports.items()):
            totals = [0] * 9
            for name, m in report["modules"].items():
                refused = sum(v for k, v in m["not_compared"].items() if "on purpose" in k)
                other = sum(m["not_compared"].values()) - refused
                row = [
                    m["classes"],
                    m["tests"],
                    m["failures"] + m["errors"],
                    m["compared"],
                    m["shapes"],
                    m["derived"],
                    refused,
                    other,
                    m["mismatch_count"],
                ]
                totals = [a + b for a, b in zip(totals, row, strict=True)]
                write(f"{variant:7} {name:18} " + _cells(row))
            write(f"{variant:7} {'total':18} " + _cells(totals))
            write(
                f"{variant}: Django {report['django']}, {report['seconds']} s "
                f"(test database {report['create_db_seconds']} s), full report {report['path']}"
            )


def _cells(row: list[int]) -> str:
    widths = [7, 6, 6, 8, 6, 10, 7, 12, 10]
    return " ".join(f"{value:>{width}}" for value, width in zip(row, widths, strict=True))


@pytest.fixture(scope="module")
def reports(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Run the wanted modules, one child process per variant at the same time."""
    summary = _Summary()
    request.config.pluginmanager.register(summary, "django_suite_summary")
    out = tmp_path_factory.mktemp("django_suite")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.django_suite.settings"}
    children = {}
    for variant, modules in sorted(_selected(request.session).items()):
        args = [sys.executable, "-m", "tests.django_suite.run", "--variant", variant]
        for module in sorted(modules):
            args += ["--module", module]
        args += ["--out", str(out / f"{variant}.json")]
        log = open(out / f"{variant}.log", "w+")  # noqa: SIM115 (closed below)
        children[variant] = (subprocess.Popen(args, cwd=ROOT, env=env, stderr=log, stdout=log), log)
    deadline = time.monotonic() + 1400
    results: dict[str, Any] = {}
    for variant, (child, log) in children.items():
        try:
            code = child.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            code = -1
        log.seek(0)
        output = log.read()
        log.close()
        if code != 0:
            results[variant] = {"error": f"the {variant} run exited with {code}:\n{output[-6000:]}"}
            continue
        results[variant] = json.loads((out / f"{variant}.json").read_text())
        results[variant]["path"] = str(out / f"{variant}.json")
        summary.reports[variant] = results[variant]
    return results


def _describe(m: dict[str, Any]) -> str:
    return (
        f"[{m['api']}] {m['test']} ({m['kind']})\n"
        f"    SQL: {m['sql'][:1500]}\n"
        f"    params: {m['params']}\n"
        f"    {m['detail']}"
    )


@pytest.mark.parametrize("module", sorted(FLOORS))
@pytest.mark.parametrize("variant", VARIANTS)
def test_stream_yields_what_the_orm_yields(
    reports: dict[str, Any], variant: str, module: str
) -> None:
    report = reports[variant]
    assert "error" not in report, report.get("error")
    stats = report["modules"][module]
    problems = []
    if stats["mismatch_count"]:
        shown = len(stats["mismatches"])
        problems.append(
            f"{stats['mismatch_count']} comparisons differed ({shown} shown, at most 3 per SQL "
            f"shape); Django {report['django']}, variant {variant}:\n\n"
            + "\n\n".join(_describe(m) for m in stats["mismatches"])
        )
    if stats["shapes"] < FLOORS[module]:
        problems.append(
            f"only {stats['shapes']} distinct SQL shapes were compared (floor {FLOORS[module]}); "
            f"{stats['tests']} tests ran, {stats['failures'] + stats['errors']} failed:\n"
            + "\n".join(stats["failing_tests"][:40])
        )
    assert not problems, "\n\n".join(problems)
