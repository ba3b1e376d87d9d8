"""The main config file (``configs/riskwatch.yaml``): which files hold the sources, watchlist and state.

Relative paths in it are resolved against the folder of the file itself, so a config can be moved with its
sources. ``RISKWATCH_CONFIG`` or ``--config`` select another file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from alerts.options import AlertOptions
from crawlers.configfile import ConfigPath, StrictModel, load
from crawlers.fleet_config import FleetOptions
from crawlers.limits import DEFAULT_MAX_CONTENT_CHARS, MIN_MAX_CONTENT_CHARS
from crawlers.sources import CrawlOptions, SourceConfig, load_sources
from indexer.config import SqliteStoreConfig, StoreConfig
from nlp.watchlist import WatchedEntity, load_watchlist
from reports.options import ReportJobs
from riskwatch.service_config import ScheduleOptions
from riskwatch.web.options import WebOptions

DEFAULT_CONFIG = Path("configs/riskwatch.yaml")
CONFIG_ENV = "RISKWATCH_CONFIG"
INFERENCE = ("auto", "torch", "torch-bf16", "torch-int8", "onnx", "onnx-int8")
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "nlp" / "models" / "riskwatch-zh-mini"


class MainConfig(StrictModel):
    sources: ConfigPath = Path("sources")
    watchlist: ConfigPath | None = None
    state_dir: ConfigPath = Path("../data/state")
    model: ConfigPath | None = None  # a trained model folder; default: the model shipped in nlp/models/
    # How the model runs: auto (torch-bf16 where the CPU has AMX, else onnx-int8), torch (PyTorch fp32),
    # torch-bf16 (encoder and NER head in bfloat16 weights), torch-int8 (dynamic int8 linear layers), onnx
    # (ONNX Runtime, same outputs as torch to ~1e-6), onnx-int8 (int8 weights). Figures and speed of each:
    # the model card.
    inference: Literal["auto", "torch", "torch-bf16", "torch-int8", "onnx", "onnx-int8"] = "auto"
    # Longer document texts are cut to this many characters in crawl, tag and index, the cut recorded in the
    # document's extra.truncated (crawlers/limits.py): one huge page cannot stall or exhaust a run.
    max_content_chars: int = Field(default=DEFAULT_MAX_CONTENT_CHARS, ge=MIN_MAX_CONTENT_CHARS)
    crawl: CrawlOptions = CrawlOptions()
    store: StoreConfig = SqliteStoreConfig()  # where documents are indexed (indexer/config.py)
    fleet: FleetOptions = FleetOptions()  # Redis for workers and the leader (crawlers/fleet_config.py)
    rules: ConfigPath = Path("rules")  # alert rules, one YAML file each (alerts/config.py)
    channels: dict[str, dict[str, Any]] = {}  # notification channels by name, checked by alerts/config.py
    alerts: AlertOptions = AlertOptions()  # alert state, evaluation interval, Kibana link, retries
    schedule: ScheduleOptions = ScheduleOptions()  # jobs of `riskwatch run` (riskwatch/service_config.py)
    reports: ReportJobs = []  # scheduled exposure reports of `riskwatch run` (reports/options.py)
    web: WebOptions = WebOptions()  # the console of `riskwatch web`: users, roles (riskwatch/web/options.py)


@dataclass
class AppConfig:
    """The loaded config. The crawl sources are read when first asked for: only ``crawl``, ``sources``,
    ``demo`` and ``run`` need them, so a config naming only a watchlist and a store serves the rest."""

    path: Path
    main: MainConfig
    watchlist: list[WatchedEntity]
    loaded_sources: list[SourceConfig] | None = None

    @property
    def sources(self) -> list[SourceConfig]:
        """The sources of ``main.sources``; a missing or bad folder raises :class:`ConfigError` naming it."""
        if self.loaded_sources is None:
            self.loaded_sources = load_sources(self.main.sources)
        return self.loaded_sources

    @property
    def state_dir(self) -> Path:
        return self.main.state_dir

    @property
    def model_dir(self) -> Path:
        return self.main.model or DEFAULT_MODEL

    def load_tagger(self, model_dir: Path | None = None, inference: str | None = None) -> Any:
        """The :class:`nlp.tagger.Tagger` for this config's model, watchlist and ``inference`` setting."""
        from nlp.tagger import Tagger

        how = resolved_inference(inference or self.main.inference)
        return Tagger.load(model_dir or self.model_dir, self.watchlist, **tagger_options(how))

    def search_queries(self) -> list[str]:
        """Every watched name and alias, for sources that search per entity."""
        return list(dict.fromkeys(name for entity in self.watchlist for name in entity.names))


def resolved_inference(how: str) -> str:
    """``auto`` made concrete for this machine: ``torch-bf16`` where the CPU has AMX, else ``onnx-int8``
    (1.3–1.5× PyTorch fp32 without AMX, dev figures within 0.1 point; the model card)."""
    if how != "auto":
        return how
    from nlp.cpu_features import has_amx_bf16

    return "torch-bf16" if has_amx_bf16() else "onnx-int8"


def tagger_options(how: str) -> dict[str, bool]:
    """:meth:`nlp.tagger.Tagger.load`'s runtime options for a concrete ``inference`` value (not ``auto``)."""
    return {"int8": how.endswith("int8"), "onnx": how.startswith("onnx"), "bf16": how == "torch-bf16"}


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_CONFIG


def load_config(explicit: str | os.PathLike[str] | None = None) -> AppConfig:
    path = config_path(explicit).resolve()
    main = load(MainConfig, path)
    base = path.parent
    sources_named = "sources" in main.model_fields_set
    main = main.model_copy(
        update={
            "sources": base / main.sources,
            "watchlist": base / main.watchlist if main.watchlist else None,
            "model": (base / main.model).resolve() if main.model else None,
            "state_dir": (base / main.state_dir).resolve(),
            "store": main.store.resolved(base),
            "reports": [job.resolved(base) for job in main.reports],
            "web": main.web.resolved(base),
        }
    )
    watchlist = load_watchlist(main.watchlist) if main.watchlist else []
    config = AppConfig(path=path, main=main, watchlist=watchlist)
    if sources_named or main.sources.is_dir():
        config.sources  # noqa: B018 - named or present: validated now, so that a bad file shows at load
    return config


def config_named(explicit: str | os.PathLike[str] | None = None) -> bool:
    """Whether a config file was named (``--config``, ``$RISKWATCH_CONFIG``) or ``configs/riskwatch.yaml``
    is here."""
    return bool(explicit or os.environ.get(CONFIG_ENV)) or DEFAULT_CONFIG.is_file()


def default_config() -> AppConfig:
    """Every default and no watchlist: what commands that need only the model (``tag``) run with when no
    config file is named or found. The model is the shipped one."""
    return AppConfig(path=DEFAULT_CONFIG.resolve(), main=MainConfig(), watchlist=[])
