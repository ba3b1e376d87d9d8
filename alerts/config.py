"""Loading the alerting config: rule files (``configs/rules/*.yaml``) and ``channels:`` of the main file.

Everything is checked before anything runs, each error naming the file, the key and the valid choices:
rule types and channel types come from their registries, ``entities`` is resolved against the watchlist
(an unknown id or tag is an error naming it), and every channel a rule names must be configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.notifiers import NOTIFIERS, ChannelOptions
from alerts.options import AlertOptions
from alerts.rules import RULE_TYPES, Rule, RuleOptions
from crawlers.configfile import read_yaml, validate
from crawlers.errors import ConfigError
from nlp.watchlist import WatchedEntity

NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


@dataclass
class AlertingConfig:
    """Rules, channels and options, validated; what the engine, the outbox and the service run on."""

    rules: list[Rule]
    channels: dict[str, ChannelOptions]
    options: AlertOptions
    state_path: Path
    watchlist: dict[str, WatchedEntity] = field(default_factory=dict)  # id -> entity

    def entity_name(self, entity_id: str) -> str:
        entity = self.watchlist.get(entity_id)
        return entity.name if entity else entity_id

    @property
    def active_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.options.enabled]


def _nested(path: Path, prefix: str, error: ConfigError) -> ConfigError:
    return ConfigError(path, error.message, key=prefix + (f".{error.key}" if error.key else ""))


def _resolve_paths(options: ChannelOptions, base: Path) -> ChannelOptions:
    """Relative path options (a file channel's folder, a CA file) are read from the config file's folder."""
    update = {
        name: base / value for name, value in options if isinstance(value, Path) and not value.is_absolute()
    }
    return options.model_copy(update=update) if update else options


def load_channels(config_file: Path, raw: Mapping[str, Any]) -> dict[str, ChannelOptions]:
    """Validate every ``channels:`` entry against its type's options model."""
    import re

    channels: dict[str, ChannelOptions] = {}
    valid_types = ", ".join(sorted(NOTIFIERS))
    for name, entry in raw.items():
        key = f"channels.{name}"
        if not re.match(NAME_PATTERN, name):
            raise ConfigError(config_file, "a channel name uses letters, digits, '.', '_' and '-'", key=key)
        if not isinstance(entry, dict):
            raise ConfigError(config_file, f"a channel is a mapping with a type ({valid_types})", key=key)
        kind = entry.get("type")
        if kind not in NOTIFIERS:
            problem = "required key is missing" if kind is None else f"unknown channel type {kind!r}"
            raise ConfigError(config_file, f"{problem} (valid: {valid_types})", key=f"{key}.type")
        try:
            options = validate(NOTIFIERS[kind].options_model, entry, config_file)
        except ConfigError as exc:
            raise _nested(config_file, key, exc) from exc
        channels[name] = _resolve_paths(options, config_file.parent)
    return channels


def resolve_entities(selector: Any, watchlist: Sequence[WatchedEntity], path: Path) -> frozenset[str]:
    """``all`` | ``[ids]`` | ``{tags: [...]}`` → watchlist ids; unknown ids or tags are errors naming them."""
    if selector == "all":
        return frozenset(entity.id for entity in watchlist)
    if isinstance(selector, list):
        known = {entity.id for entity in watchlist}
        for index, entity_id in enumerate(selector):
            if entity_id not in known:
                sample = ", ".join(sorted(known)[:12]) + (", …" if len(known) > 12 else "")
                raise ConfigError(
                    path,
                    f"unknown entity {entity_id!r}: not a watchlist id (watchlist: {sample or 'empty'})",
                    key=f"entities[{index}]",
                )
        return frozenset(selector)
    tags = {tag for entity in watchlist for tag in entity.tags}
    for index, tag in enumerate(selector["tags"]):
        if tag not in tags:
            raise ConfigError(
                path,
                f"no watchlist entity has the tag {tag!r} (tags in use: {', '.join(sorted(tags)) or 'none'})",
                key=f"entities.tags[{index}]",
            )
    wanted = set(selector["tags"])
    return frozenset(entity.id for entity in watchlist if wanted & set(entity.tags))


def load_rule(path: Path, watchlist: Sequence[WatchedEntity], channels: Mapping[str, ChannelOptions]) -> Rule:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(path, "a rule file is a mapping of keys (name, type, window, channels, …)")
    kind = data.get("type")
    valid = ", ".join(sorted(RULE_TYPES))
    if kind not in RULE_TYPES:
        problem = "required key is missing" if kind is None else f"unknown rule type {kind!r}"
        raise ConfigError(path, f"{problem} (valid: {valid})", key="type")
    rule_class = RULE_TYPES[kind]
    options: RuleOptions = validate(rule_class.options_model, data, path)
    for index, channel in enumerate(options.channels):
        if channel not in channels:
            configured = ", ".join(sorted(channels)) or "none: add a channels: section to the main config"
            raise ConfigError(
                path, f"unknown channel {channel!r} (configured: {configured})", key=f"channels[{index}]"
            )
    return rule_class(options, resolve_entities(options.entities, watchlist, path))


def rule_files(rules_dir: Path) -> list[Path]:
    """The rule files of a folder, in the order they load: ``*.yaml`` and ``*.yml``, sorted."""
    return sorted([*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")]) if rules_dir.is_dir() else []


def load_rules(
    rules_dir: Path,
    watchlist: Sequence[WatchedEntity],
    channels: Mapping[str, ChannelOptions],
    required: bool,
) -> list[Rule]:
    """Every ``*.yaml``/``*.yml`` in ``rules_dir`` (sorted); names must be unique. A missing folder is an
    error when the config names it (``required``), else there are simply no rules."""
    if not rules_dir.is_dir():
        if required:
            raise ConfigError(rules_dir, "rules folder not found")
        return []
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path in rule_files(rules_dir):
        rule = load_rule(path, watchlist, channels)
        if rule.name in seen:
            raise ConfigError(
                path, f"duplicate rule name {rule.name!r} (also in {seen[rule.name]})", key="name"
            )
        seen[rule.name] = path
        rules.append(rule)
    return rules


def load_alerting(
    config_file: Path,
    *,
    raw_channels: Mapping[str, Any],
    rules_dir: Path,
    rules_required: bool,
    options: AlertOptions,
    state_dir: Path,
    watchlist: Sequence[WatchedEntity],
) -> AlertingConfig:
    """Channels, then rules against them; relative paths are read from ``config_file``'s folder."""
    base = config_file.parent
    channels = load_channels(config_file, raw_channels)
    rules = load_rules(base / rules_dir, watchlist, channels, rules_required)
    state_path = base / options.state_path if options.state_path else state_dir / "alerts.db"
    return AlertingConfig(
        rules=rules,
        channels=channels,
        options=options,
        state_path=state_path.resolve(),
        watchlist={entity.id: entity for entity in watchlist},
    )
