"""Checkpoints inside one fine-tuning run, so that a stopped run goes on from where it stopped.

A recipe stage on two CPU cores runs for an hour or more (``riskwatch train --recipe``), longer than a
working session or a batch window; before, a stopped stage started again from its first step. Every
``checkpoint_every`` steps the run saves, in ``OUTPUT.checkpoint/`` beside its output folder, everything the
next step depends on: the weights, the optimiser's moments, the learning-rate schedule, the task-sampling
and torch random states and the loss curve so far. A run started again with the same options and the same
starting weights loads it and carries on at the next step, with the same steps it would have taken; a run
whose options or starting weights differ ignores it and starts afresh. The folder is removed once the model
is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from nlp.model_files import WEIGHTS_FILE

if TYPE_CHECKING:
    from nlp.train import TrainConfig

logger = logging.getLogger(__name__)

STATE_FILE = "state.pt"
UNSAVED_OPTIONS = ("output", "device", "log_every", "checkpoint_every")
"""Options that do not change what a run computes: a checkpoint made under others still holds."""


def checkpoint_folder(output: Path) -> Path:
    """Where a run writing ``output`` keeps its checkpoint (beside it: a recipe empties a stage's folder)."""
    return output.parent / f"{output.name}.checkpoint"


def fingerprint(config: TrainConfig) -> str:
    """What a checkpoint must match to be carried on: the options that change the run, and the starting
    weights' SHA-256 (a recipe's upstream stage may have run again since)."""
    options = {k: v for k, v in asdict(config).items() if k not in UNSAVED_OPTIONS}
    if config.init is not None:
        weights = config.init / WEIGHTS_FILE
        options["init_sha256"] = (
            hashlib.sha256(weights.read_bytes()).hexdigest() if weights.is_file() else None
        )
    return json.dumps(options, sort_keys=True, default=str, ensure_ascii=False)


@dataclass
class Resumed:
    step: int  # the last step the checkpoint holds; the run goes on at step + 1
    curve: list[float]
    window: list[float]


@dataclass
class Checkpoints:
    folder: Path
    fingerprint: str
    every: int

    @classmethod
    def for_run(cls, config: TrainConfig) -> Checkpoints | None:
        if config.checkpoint_every <= 0:
            return None
        return cls(checkpoint_folder(config.output), fingerprint(config), config.checkpoint_every)

    def due(self, step: int, steps: int) -> bool:
        """Whether to save after ``step``: every ``every`` steps, not after the last (the model is saved)."""
        return (step + 1) % self.every == 0 and step + 1 < steps

    def save(
        self,
        step: int,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        schedule: torch.optim.lr_scheduler.LRScheduler,
        rng: random.Random,
        curve: list[float],
        window: list[float],
    ) -> None:
        """Write the state after ``step``, atomically: a run killed while saving keeps the last checkpoint."""
        self.folder.mkdir(parents=True, exist_ok=True)
        state = {
            "fingerprint": self.fingerprint,
            "step": step,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "rng": rng.getstate(),
            "torch_rng": torch.get_rng_state(),
            "curve": list(curve),
            "window": list(window),
        }
        partial = self.folder / f"{STATE_FILE}.partial"
        torch.save(state, partial)
        os.replace(partial, self.folder / STATE_FILE)
        logger.info("checkpoint after step %d in %s", step, self.folder)

    def load(self) -> dict[str, Any] | None:
        """The saved state, or ``None`` when there is none or it belongs to another run (said in the log)."""
        path = self.folder / STATE_FILE
        if not path.is_file():
            return None
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:  # a truncated or foreign file: start afresh, say why
            logger.warning("%s: unreadable checkpoint (%s); starting from step 0", path, exc)
            return None
        if state.get("fingerprint") != self.fingerprint:
            logger.warning("%s: made with other options or starting weights; starting from step 0", path)
            return None
        return state

    def restore(
        self,
        state: dict[str, Any],
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        schedule: torch.optim.lr_scheduler.LRScheduler,
        rng: random.Random,
    ) -> Resumed:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        logger.info("fine-tuning goes on after step %d from %s", state["step"], self.folder)
        return Resumed(state["step"], list(state["curve"]), list(state["window"]))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
