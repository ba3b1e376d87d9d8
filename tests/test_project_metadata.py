"""Packaging metadata and the code's own descriptions: what a newcomer meets on install and in docstrings."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

REPO = Path(__file__).parent.parent
STALE = re.compile(r"arrives (in|with) (a later )?issue|in a later issue|arrives with issue \d+")


def test_pyproject_reads_without_setuptools_warnings() -> None:
    """The SPDX string form of ``project.license``: the table form is deprecated and printed on install."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), REPO / "pyproject.toml")
    assert [str(w.message) for w in caught] == []
    assert dist.metadata.license_expression == "LicenseRef-Proprietary"


def test_no_docstring_or_doc_promises_a_later_issue() -> None:
    """Code and docs describe the project as it is, not as a plan ("arrives in a later issue")."""
    stale = []
    for path in REPO.rglob("*"):
        relative = path.relative_to(REPO)
        if relative.parts[0] in {".venv", ".git", "data", "build"} or path.name == "CHANGELOG.md":
            continue
        if path.suffix in {".py", ".md", ".yaml", ".toml"} and path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if STALE.search(line) and path.name != "test_project_metadata.py":
                    stale.append(f"{relative}:{number}: {line.strip()}")
    assert stale == []
