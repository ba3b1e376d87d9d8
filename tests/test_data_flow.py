"""Data flows one way (crawlers → nlp → indexer → alerts → reports): no stage imports one to its right,
nor ``riskwatch`` (the CLI and service on top), not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

STAGES = ("crawlers", "nlp", "indexer", "alerts", "reports")
ON_TOP = "riskwatch"


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_to_its_right(stage: str) -> None:
    forbidden = {*STAGES[STAGES.index(stage) + 1 :], ON_TOP}
    violations = [
        f"{path.relative_to(REPO)}:{line} imports {package}"
        for path in sorted((REPO / stage).rglob("*.py"))
        for line, package in imported_packages(path)
        if package in forbidden
    ]
    assert violations == []


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from riskwatch import __version__\n    import alerts.state\n")
    assert imported_packages(module) == [(2, "riskwatch"), (3, "alerts")]
