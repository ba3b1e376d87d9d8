"""Training recipes: the chain of runs that made a model folder, written down as one file and replayed by one
command (``riskwatch train --recipe FILE --output DIR``).

A shipped model is rarely one run: it is trained from scratch, continued with other task weights, pruned, cut
to fewer layers, given a new NER head, and its n-gram heads are fitted at the end. A recipe lists those stages
in order; each stage names the stage it starts from, so the chain reads top to bottom:

.. code-block:: yaml

    name: riskwatch-zh-mini
    stages:
      - name: base
        train: {pretrain_steps: 0, steps: 5000, hidden_size: 256, layers: 4}
      - name: pruned
        prune_vocab: {model: base}
      - name: final
        fit_ngram: {model: pruned}

Each stage writes its own folder under ``DIR.stages/`` with a ``stage.json`` beside the weights once it has
finished. A replay that is stopped (hours on a CPU) goes on from the first stage without one, or whose options
or upstream stage changed since, and runs every stage after it again (they start from its new weights); the
last stage's folder is then copied to ``DIR``. Inside a ``train`` stage, fine-tuning saves a checkpoint every
500 steps beside the stage's folder (:mod:`nlp.train_checkpoint`): a stage that was stopped goes on from its
last checkpoint, not from its first step. The file is checked whole
before anything runs, and every mistake names the file, the stage and the key.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

STAGE_FILE = "stage.json"
ACTIONS = ("train", "prune_vocab", "fit_ngram")

TRAIN_OPTIONS: dict[str, type | tuple[type, ...]] = {
    "hidden_size": int,
    "layers": int,
    "num_heads": int,
    "max_length": int,
    "pretrain_steps": int,
    "pretrain_batch": int,
    "pretrain_lr": (int, float),
    "steps": int,
    "batch_size": int,
    "lr": (int, float),
    "ner_head": str,
    "ner_hidden": int,
    "ner_layers": int,
    "ner_lr": (int, float),
    "ner_crf": bool,
    "crf_lr": (int, float),
    "ner_swap": (int, float),
    "warmup_fraction": (int, float),
    "task_weights": dict,
    "keep_layers": int,
    "seed": int,
}
"""What a ``train`` stage may set: :class:`nlp.train.TrainConfig`'s fields (``layers`` is its ``num_layers``,
as ``riskwatch train --layers``), besides ``init``, the stage it goes on from."""
OPTIONS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "train": {"init": str, **TRAIN_OPTIONS},
    "prune_vocab": {"model": str, "min_count": int},
    "fit_ngram": {"model": str, "blend_only": bool},
}
NER_HEADS = ("linear", "bilstm", "cnn")
UPSTREAM = {"train": "init", "prune_vocab": "model", "fit_ngram": "model"}
"""The key of each action that names the stage it starts from (optional for ``train``: from scratch)."""


class RecipeError(ValueError):
    """A recipe file that cannot be replayed; the message names the file, stage and key."""


@dataclass(frozen=True)
class Stage:
    name: str
    action: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def upstream(self) -> str | None:
        return self.options.get(UPSTREAM[self.action])


@dataclass(frozen=True)
class Recipe:
    name: str
    stages: tuple[Stage, ...]
    source: Path


def load_recipe(path: Path) -> Recipe:
    """Read and check a recipe file (see the module docstring)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read the recipe: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {exc}") from None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("stages"), list)
        or not document["stages"]
    ):
        raise RecipeError(f"{path}: expected a mapping with a non-empty list 'stages'")
    unknown = set(document) - {"name", "stages"}
    if unknown:
        raise RecipeError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} (expected name, stages)")
    stages: list[Stage] = []
    for number, entry in enumerate(document["stages"], start=1):
        stages.append(_stage(path, number, entry, {stage.name for stage in stages}))
    return Recipe(str(document.get("name") or path.stem), tuple(stages), path)


def _stage(path: Path, number: int, entry: Any, earlier: set[str]) -> Stage:
    where = f"{path}: stage {number}"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise RecipeError(f"{where}: expected a mapping with a 'name' and one of {', '.join(ACTIONS)}")
    name = entry["name"]
    where = f"{path}: stage {number} ({name})"
    if name in earlier:
        raise RecipeError(f"{where}: name: used by an earlier stage")
    if "/" in name or name.startswith("."):
        raise RecipeError(f"{where}: name: must be a plain folder name")
    actions = [key for key in entry if key != "name"]
    if len(actions) != 1 or actions[0] not in ACTIONS:
        raise RecipeError(
            f"{where}: expected exactly one of {', '.join(ACTIONS)}, got {', '.join(actions) or 'none'}"
        )
    action = actions[0]
    options = entry[action] or {}
    if not isinstance(options, dict):
        raise RecipeError(f"{where}: {action}: expected a mapping of options")
    for key, value in options.items():
        expected = OPTIONS[action].get(key)
        if expected is None:
            raise RecipeError(
                f"{where}: {action}.{key}: unknown option (expected one of {', '.join(OPTIONS[action])})"
            )
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise RecipeError(f"{where}: {action}.{key}: {value!r} is not {_type_name(expected)}")
    if options.get("ner_head", "bilstm") not in NER_HEADS:
        raise RecipeError(
            f"{where}: {action}.ner_head: {options['ner_head']!r} is not one of {', '.join(NER_HEADS)}"
        )
    if "task_weights" in options:
        try:
            _task_weights(options["task_weights"])
        except ValueError as exc:
            raise RecipeError(f"{where}: {action}.task_weights: {exc}") from None
    stage = Stage(name, action, dict(options))
    if stage.upstream is None and action != "train":
        raise RecipeError(f"{where}: {action}.{UPSTREAM[action]}: required (the stage it starts from)")
    if stage.upstream is not None and stage.upstream not in earlier:
        raise RecipeError(f"{where}: {action}.{UPSTREAM[action]}: {stage.upstream!r} is not an earlier stage")
    if "keep_layers" in options and stage.upstream is None:
        raise RecipeError(f"{where}: train.keep_layers: needs init (the stage whose bottom layers to keep)")
    return stage


def _task_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """A stage's task weights over the defaults, checked as ``--task-weights`` checks them."""
    from nlp.train import parse_task_weights

    return parse_task_weights(",".join(f"{task}={weight}" for task, weight in weights.items()))


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", dict: "a mapping"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return names[float] if float in kinds else names[kinds[0]]


def stages_folder(output: Path) -> Path:
    """Where a replay into ``output`` keeps each stage's folder."""
    return output.parent / f"{output.name}.stages"


def _record(stage: Stage, upstream: dict[str, Any] | None, limit: int | None, max_steps: int | None) -> dict:
    return {
        "stage": stage.name,
        "action": stage.action,
        "options": stage.options,
        "upstream": upstream,
        "limit": limit,
        "max_steps": max_steps,
    }


def _finished(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / STAGE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_recipe(
    recipe: Recipe,
    output: Path,
    limit: int | None = None,
    max_steps: int | None = None,
    runner: Callable[[Stage, Path, Path | None, int | None, int | None], None] | None = None,
) -> list[tuple[str, str]]:
    """Replay ``recipe`` into ``output``; returns (stage, "ran" or "kept") for each stage. ``limit``: examples
    per dataset and ``max_steps``: a cap on each stage's steps, for a quick dry run of the chain (their
    figures mean nothing). ``runner`` replaces the actions (tests)."""
    run = runner or run_stage
    folders = stages_folder(output)
    records: dict[str, dict[str, Any]] = {}
    done: list[tuple[str, str]] = []
    ran_before = False
    for stage in recipe.stages:
        folder = folders / stage.name
        upstream = records.get(stage.upstream) if stage.upstream else None
        record = _record(stage, upstream, limit, max_steps)
        if not ran_before and _finished(folder) == record:
            logger.info("stage %s: kept (finished before with the same options)", stage.name)
            done.append((stage.name, "kept"))
        else:
            if folder.exists():
                shutil.rmtree(folder)
            logger.info("stage %s: %s %s", stage.name, stage.action, stage.options)
            started = time.monotonic()
            run(stage, folder, folders / stage.upstream if stage.upstream else None, limit, max_steps)
            (folder / STAGE_FILE).write_text(
                json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            logger.info("stage %s: done in %.0f s", stage.name, time.monotonic() - started)
            done.append((stage.name, "ran"))
            ran_before = True  # what follows starts from new weights
        records[stage.name] = record
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(folders / recipe.stages[-1].name, output, ignore=shutil.ignore_patterns(STAGE_FILE))
    return done


def train_config(
    options: Mapping[str, Any], output: Path, init: Path | None, limit: int | None, max_steps: int | None
):
    """The :class:`nlp.train.TrainConfig` of a ``train`` stage."""
    from nlp.train import TrainConfig

    names = {f.name for f in fields(TrainConfig)}
    values = {
        ("num_layers" if key == "layers" else key): value for key, value in options.items() if key != "init"
    }
    assert set(values) <= names, set(values) - names
    if "task_weights" in values:
        values["task_weights"] = _task_weights(values["task_weights"])
    config = TrainConfig(output=output, init=init, limit=limit, **values)
    if max_steps is not None:
        config.steps = min(config.steps, max_steps)
        config.pretrain_steps = min(config.pretrain_steps, max_steps)
    return config


def run_stage(
    stage: Stage, folder: Path, upstream: Path | None, limit: int | None, max_steps: int | None
) -> None:
    """One stage's action, writing ``folder``."""
    if stage.action == "train":
        from nlp.train import train

        train(train_config(stage.options, folder, upstream, limit, max_steps))
    elif stage.action == "prune_vocab":
        from nlp.train import example_texts, training_examples
        from nlp.vocab_prune import prune_folder

        assert upstream is not None
        texts = example_texts(training_examples(limit))
        prune_folder(upstream, folder, texts, stage.options.get("min_count", 1))
    elif stage.action == "fit_ngram":
        from nlp.ngram_blend import fit_ngram_folder

        assert upstream is not None
        shutil.copytree(upstream, folder, ignore=shutil.ignore_patterns(STAGE_FILE))
        fit_ngram_folder(folder, blend_only=bool(stage.options.get("blend_only")))
    else:  # load_recipe admits only ACTIONS
        raise RecipeError(f"stage {stage.name}: unknown action {stage.action!r}")
