"""Training recipes (nlp/recipe.py): the shipped model's chain, checked against the shipped folder; the file's
mistakes named; a stopped replay goes on; and a small chain replayed for real through ``riskwatch train``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp.model_files import CONFIG_FILE
from nlp.recipe import STAGE_FILE, RecipeError, Stage, load_recipe, run_recipe, stages_folder, train_config
from riskwatch.cli import main

REPO = Path(__file__).resolve().parent.parent
SHIPPED_RECIPE = REPO / "configs" / "training" / "riskwatch-zh-mini.yaml"
SHIPPED_MODEL = REPO / "nlp" / "models" / "riskwatch-zh-mini"


def _printed(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_recipe_builds_the_shipped_architecture(tmp_path: Path) -> None:
    recipe = load_recipe(SHIPPED_RECIPE)
    last = recipe.stages[-1]
    assert (last.action, last.options) == ("fit_ngram", {"model": "l1cnn2"})
    # follow the chain back from the last stage: every stage is on it, and it starts from scratch
    by_name = {stage.name: stage for stage in recipe.stages}
    chain, stage = [], last
    while stage is not None:
        chain.append(stage)
        stage = by_name[stage.upstream] if stage.upstream else None
    assert [s.name for s in reversed(chain)] == [s.name for s in recipe.stages]
    assert chain[-1].action == "train" and chain[-1].upstream is None
    # the shape the chain ends in is the shipped model's: width from the first run, depth from the last cut,
    # NER head and CRF from the runs that changed them
    shipped = json.loads((SHIPPED_MODEL / CONFIG_FILE).read_text(encoding="utf-8"))
    trained = [s for s in recipe.stages if s.action == "train"]
    assert trained[0].options["hidden_size"] == shipped["hidden_size"]
    assert [s.options["keep_layers"] for s in trained if "keep_layers" in s.options][-1] == shipped[
        "num_layers"
    ]
    assert [s.options["ner_head"] for s in trained if "ner_head" in s.options][-1] == shipped["ner_head"]
    assert any(s.options.get("ner_crf") for s in trained) == shipped["ner_crf"]
    # and every train stage makes a TrainConfig, with `layers` read as num_layers and weights over defaults
    configs = {s.name: train_config(s.options, tmp_path / s.name, None, None, None) for s in trained}
    assert configs["run3"].num_layers == 4 and configs["run3"].lr == pytest.approx(4e-4)
    assert configs["run5"].task_weights == {
        "entity_negative": 3.0, "events": 3.0, "forum": 3.0, "ner": 4.0, "company_news": 1.0,
    }  # fmt: skip
    capped = train_config(by_name["run3"].options, tmp_path / "x", None, 20, 2)
    assert (capped.steps, capped.pretrain_steps, capped.limit) == (2, 0, 20)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages: [", "not valid YAML"),
        ("name: x\n", "non-empty list 'stages'"),
        ("stages: [{name: a, train: {}}]\nextra: 1\n", "unknown key(s) extra"),
        ("stages: [{name: a, train: {stepz: 3}}]\n", "stage 1 (a): train.stepz: unknown option"),
        ("stages: [{name: a, train: {steps: many}}]\n", "stage 1 (a): train.steps: 'many' is not an integer"),
        ("stages: [{name: a, train: {ner_crf: 1}}]\n", "train.ner_crf: 1 is not true or false"),
        ("stages: [{name: a, train: {steps: true}}]\n", "train.steps: True is not an integer"),
        ("stages: [{name: a, train: {ner_head: gru}}]\n", "train.ner_head: 'gru' is not one of"),
        ("stages: [{name: a, train: {task_weights: {nerr: 1}}}]\n", "train.task_weights: 'nerr=1'"),
        ("stages: [{name: a, train: {keep_layers: 1}}]\n", "train.keep_layers: needs init"),
        ("stages: [{name: a, train: {init: b}}]\n", "train.init: 'b' is not an earlier stage"),
        ("stages: [{name: a, train: {}}, {name: a, train: {}}]\n", "stage 2 (a): name: used by an earlier"),
        ("stages: [{name: a, prune_vocab: {}}]\n", "prune_vocab.model: required"),
        ("stages: [{name: a, train: {}, fit_ngram: {}}]\n", "exactly one of train, prune_vocab, fit_ngram"),
        ("stages: [{train: {}}]\n", "stage 1: expected a mapping with a 'name'"),
        ("stages: [{name: ../a, train: {}}]\n", "name: must be a plain folder name"),
    ],
)
def test_recipe_mistakes_name_the_file_stage_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_missing_recipe_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"missing\.yaml: cannot read the recipe"):
        load_recipe(tmp_path / "missing.yaml")


CHAIN = """
stages:
  - {name: base, train: {steps: 5}}
  - {name: more, train: {init: base, steps: 3}}
  - {name: small, prune_vocab: {model: more}}
  - {name: final, fit_ngram: {model: small}}
"""


def test_a_stopped_replay_goes_on_and_a_changed_stage_reruns_what_follows(tmp_path: Path) -> None:
    calls: list[str] = []

    def runner(stage: Stage, folder: Path, upstream: Path | None, limit, max_steps) -> None:
        if stage.name == "small" and "stop" in calls:
            raise KeyboardInterrupt  # the replay is stopped during this stage
        calls.append(stage.name)
        assert upstream is None or (upstream / STAGE_FILE).is_file()  # starts from a finished stage
        folder.mkdir(parents=True)
        (folder / "weights").write_text(stage.name, encoding="utf-8")

    output = tmp_path / "model"
    calls.append("stop")
    with pytest.raises(KeyboardInterrupt):
        run_recipe(load_recipe(_write(tmp_path, CHAIN)), output, runner=runner)
    assert calls == ["stop", "base", "more"] and not output.exists()

    calls.clear()
    done = run_recipe(load_recipe(_write(tmp_path, CHAIN)), output, runner=runner)
    assert done == [("base", "kept"), ("more", "kept"), ("small", "ran"), ("final", "ran")]
    assert calls == ["small", "final"]
    assert (output / "weights").read_text(encoding="utf-8") == "final"
    assert not (output / STAGE_FILE).exists()  # the stage record stays with the stages
    assert (stages_folder(output) / "final" / STAGE_FILE).is_file()

    calls.clear()
    changed = CHAIN.replace("{init: base, steps: 3}", "{init: base, steps: 4}")
    done = run_recipe(load_recipe(_write(tmp_path, changed)), output, runner=runner)
    assert [how for _, how in done] == ["kept", "ran", "ran", "ran"]
    # a stage whose folder is lost runs again, and so does every stage after it, though their records match
    calls.clear()
    shutil.rmtree(stages_folder(output) / "more")
    done = run_recipe(load_recipe(_write(tmp_path, changed)), output, runner=runner)
    assert [how for _, how in done] == ["kept", "ran", "ran", "ran"]
    calls.clear()
    run_recipe(load_recipe(_write(tmp_path, changed)), output, limit=10, runner=runner)
    assert calls == ["base", "more", "small", "final"]  # a dry run's stages are not the real ones


SMALL_CHAIN = """
name: small
stages:
  - name: scratch
    train: {pretrain_steps: 1, hidden_size: 32, layers: 2, num_heads: 2, max_length: 48, batch_size: 4,
            ner_head: linear}
  - name: pruned
    prune_vocab: {model: scratch}
  - name: cut
    train: {init: pruned, keep_layers: 1, ner_head: cnn, ner_hidden: 16, ner_layers: 1, ner_crf: true,
            batch_size: 4, task_weights: {entity_negative: 1, events: 1, forum: 1, ner: 1, company_news: 0}}
"""


def test_riskwatch_train_replays_a_recipe_for_real(tmp_path: Path, shared_data: Path, capsys) -> None:
    from nlp.tagger import Tagger

    recipe = _write(tmp_path, SMALL_CHAIN)
    output = tmp_path / "model"
    argv = ["train", "--recipe", str(recipe), "--output", str(output), "--limit", "12", "--max-steps", "2"]
    assert main(argv) == 0
    config = json.loads((output / CONFIG_FILE).read_text(encoding="utf-8"))
    assert (config["hidden_size"], config["num_layers"], config["ner_head"], config["ner_crf"]) == (
        32, 1, "cnn", True,
    )  # fmt: skip
    full_vocab = (shared_data / "vocab" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert config["vocab_size"] < len(full_vocab)  # the pruned vocabulary went on to the last stage
    tagged = Tagger.load(output).tag([{"id": "1", "title": "", "content": "宜贷网逾期，投资人报警。"}])
    assert tagged[0]["id"] == "1" and tagged[0]["sentiment"]["label"]
    assert "model written to" in _printed(capsys)

    # run again: every stage is kept, and the output is the same folder
    assert main(argv) == 0
    assert "kept from a replay before: scratch, pruned, cut" in _printed(capsys)


def test_train_options_beside_a_recipe_are_refused(tmp_path: Path, capsys) -> None:
    recipe = _write(tmp_path, SMALL_CHAIN)
    assert main(["train", "--recipe", str(recipe), "--output", str(tmp_path / "m"), "--steps", "9"]) == 2
    assert "--steps: set in the recipe's stages" in _printed(capsys)
    assert main(["train", "--output", str(tmp_path / "m"), "--max-steps", "2"]) == 2
    assert "--max-steps goes with --recipe" in _printed(capsys)
    bad = _write(tmp_path, "stages: [{name: a, train: {init: nowhere}}]\n")
    assert main(["train", "--recipe", str(bad), "--output", str(tmp_path / "m")]) == 2
    assert "train.init: 'nowhere' is not an earlier stage" in _printed(capsys)
