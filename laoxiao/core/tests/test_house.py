"""The house rules of issue 11, checked from the source: no import circle between modules (imports
inside functions count), no actions module over 700 lines, one clock and one access check."""

from __future__ import annotations

import re

from laoxiao.core import imports_graph

MAX_ACTIONS_LINES = 700


def test_no_import_circles() -> None:
    edges = imports_graph.graph()
    found = imports_graph.circles(edges)
    assert not found, "\n".join(" → ".join(imports_graph.cycle_path(c, edges)) for c in found)


def test_the_graph_sees_imports_inside_functions() -> None:
    edges = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert imports_graph.circles(edges) == [["a", "b"]]
    graph = imports_graph.graph()
    assert "laoxiao.core.imports_graph" in graph["laoxiao.core.tests.test_house"]


def _app_sources():  # type: ignore[no-untyped-def]
    for path in imports_graph.source_files():
        if "tests" in path.parts:
            continue
        yield path


def test_no_actions_module_is_over_700_lines() -> None:
    long = {
        str(p.relative_to(imports_graph.ROOT)): n
        for p in _app_sources()
        if ("actions" in p.parts or p.name == "actions.py")
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_ACTIONS_LINES
    }
    assert not long, long


CLOCK = re.compile(r"timezone\.localdate\(\)|\bdate\.today\(\)|\bdatetime\.now\(\)\.date\(\)|def _today\b")
OWN_CHECKS = re.compile(
    r"^def (require_region|require_sector|community_region|is_city_admin|is_plan_admin)\b|^SECTOR_PERMISSION\s*=",
    re.M,
)


def test_one_clock() -> None:
    """Every module asks ``core.clock.today()``; only the clock reads the system date."""
    offenders = [
        f"{p.relative_to(imports_graph.ROOT)}:{i}"
        for p in _app_sources()
        if p.name != "clock.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CLOCK.search(line)
    ]
    assert not offenders, offenders


def test_no_app_defines_its_own_access_check() -> None:
    offenders = [
        str(p.relative_to(imports_graph.ROOT))
        for p in _app_sources()
        if p.name != "access.py" and OWN_CHECKS.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
