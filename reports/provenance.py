"""Where a report's figures came from: the store, the model, the alert rules, the input file.

The rule set hash is SHA-256 over the rule files (``*.yaml`` and ``*.yml``, as the alerts stage loads them)
sorted by name, each contributing its file name, a NUL, its bytes and a NUL — so renaming, editing, adding
or removing a rule changes it, and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from alerts.config import rule_files
from nlp.model_files import CONFIG_FILE as MODEL_CARD  # the model's config: name and version


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rule_set_hash(rules_dir: Path | None) -> str:
    """``sha256:<hex> (N files)``, or a plain statement when there are no rule files."""
    files = rule_files(rules_dir) if rules_dir else []
    if not files:
        return f"no rule files in {rules_dir}" if rules_dir else "no rules directory"
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()} ({len(files)} file{'s' if len(files) > 1 else ''})"


def model_version(model_dir: Path | None) -> str:
    """``name version`` from the configured model's card, or why there is none."""
    if model_dir is None:
        return "no model configured"
    card = model_dir / MODEL_CARD
    if not card.is_file():
        return f"no trained model in {model_dir}"
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"unreadable model card {card} ({exc})"
    return f"{data.get('name', '?')} {data.get('version', '?')} (configured)"


def riskwatch_version() -> str:
    """The installed distribution's version (read from package metadata: ``reports`` may not import
    ``riskwatch``, which sits on top of the stages)."""
    try:
        return metadata.version("riskwatch")
    except metadata.PackageNotFoundError:
        return "unknown (riskwatch is not installed)"


def describe_store(store_config: Any) -> str:
    """One line naming the backend and where it is, without credentials."""
    kind = getattr(store_config, "type", type(store_config).__name__)
    if getattr(store_config, "path", None) is not None:
        return f"{kind}: {store_config.path}"
    if getattr(store_config, "url", None):
        parts = urlsplit(store_config.url)
        url = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()  # never credentials
        return f"{kind}: {url} (index prefix {getattr(store_config, 'index_prefix', '?')})"
    return str(kind)
