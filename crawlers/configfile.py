"""Loading YAML config files into pydantic models with errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crawlers.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)
ConfigPath = Annotated[Path, Field(strict=False)]


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are errors, values are not coerced across types
    (``retries: "3"`` or ``retries: true`` is an error; an int is accepted where a float is expected).
    Path fields opt out with :data:`ConfigPath`, since YAML has no path type."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing or malformed file is a :class:`ConfigError` naming it."""
    if not path.is_file():
        raise ConfigError(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, f"invalid YAML{where}: {problem}") from exc


def _key_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def validate(model: type[ModelT], data: Any, path: Path, context: dict[str, Any] | None = None) -> ModelT:
    """Validate ``data`` (parsed from ``path``) against ``model``; the first error names its key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, f"expected a mapping of keys at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_path(tuple(first["loc"])) or None
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model.model_fields)) if len(first["loc"]) == 1 else None
            message = "unknown key" + (f" (valid keys: {allowed})" if allowed else "")
        elif first["type"] == "missing":
            message = "required key is missing"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more error{'s' if more > 1 else ''})"
        raise ConfigError(path, message, key=key) from exc


def load(model: type[ModelT], path: Path, context: dict[str, Any] | None = None) -> ModelT:
    """Read and validate one YAML file."""
    return validate(model, read_yaml(path), path, context)
