"""``manifest.json``: the SHA-256 of every file a report run wrote, so that a copy can be verified later
(``riskwatch report verify DIR``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports.provenance import sha256_file

MANIFEST = "manifest.json"


def write_manifest(out_dir: Path, files: Sequence[Path], about: dict[str, Any]) -> Path:
    """List ``files`` (all inside ``out_dir``) with their size and SHA-256, plus ``about`` (the report's
    period, input file hash, ...). The manifest does not list itself."""
    entries = [
        {
            "file": path.relative_to(out_dir).as_posix(),
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path in sorted(files)
    ]
    target = out_dir / MANIFEST
    target.write_text(
        json.dumps({**about, "files": entries}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target


def verify_manifest(out_dir: Path) -> list[str]:
    """Problems found (empty when every listed file is present with its recorded hash)."""
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return [f"{manifest}: no manifest"]
    problems: list[str] = []
    for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
        path = out_dir / entry["file"]
        if not path.is_file():
            problems.append(f"{entry['file']}: missing")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['file']}: SHA-256 differs from the manifest")
    return problems
