"""A fine-tuning run stopped part-way goes on from its last checkpoint and ends where an unbroken run ends
(nlp.train_checkpoint); a checkpoint of other options or other starting weights is not carried on."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import nlp.train
from nlp.model_files import WEIGHTS_FILE
from nlp.train import TrainConfig, train
from nlp.train_checkpoint import STATE_FILE, Checkpoints, checkpoint_folder, fingerprint

STEPS = 12


def config(output: Path, **changes) -> TrainConfig:
    values = dict(
        hidden_size=32, num_layers=1, num_heads=2, max_length=48, pretrain_steps=0, steps=STEPS, batch_size=8,
        limit=40, log_every=1, lr=2e-3, checkpoint_every=5, device="cpu",
    )  # fmt: skip
    return TrainConfig(output=output, **{**values, **changes})


class Stop(Exception):
    pass


def stopped_after(calls: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run dies in its ``calls``-th step, as a killed process would."""
    original = nlp.train.multitask_loss
    seen = {"calls": 0}

    def loss(*args, **kwargs):
        seen["calls"] += 1
        if seen["calls"] == calls:
            raise Stop
        return original(*args, **kwargs)

    monkeypatch.setattr(nlp.train, "multitask_loss", loss)


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(folder / WEIGHTS_FILE)


def test_a_stopped_run_goes_on_from_its_checkpoint_and_ends_as_an_unbroken_run(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    unbroken = tmp_path / "unbroken"
    train(config(unbroken))
    assert not checkpoint_folder(unbroken).exists()  # removed once the model is written

    broken = tmp_path / "broken"
    with monkeypatch.context() as patch:
        stopped_after(8, patch)  # steps 0-4 are saved (every 5); step 7 dies
        with pytest.raises(Stop):
            train(config(broken))
    state = torch.load(checkpoint_folder(broken) / STATE_FILE, weights_only=False)
    assert state["step"] == 4 and not (broken / WEIGHTS_FILE).exists()

    calls = {"steps": 0}
    original = nlp.train.multitask_loss

    def counted(*args, **kwargs):
        calls["steps"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(nlp.train, "multitask_loss", counted)
    with caplog.at_level("INFO", logger="nlp.train_checkpoint"):
        train(config(broken))
    assert calls["steps"] == STEPS - 5  # steps 5-11 only
    assert "goes on after step 4" in caplog.text
    one, other = weights(unbroken), weights(broken)
    assert one.keys() == other.keys()
    assert all(torch.equal(one[name], other[name]) for name in one)  # the same steps, the same model
    assert not checkpoint_folder(broken).exists()


def test_a_checkpoint_of_other_options_or_weights_is_not_carried_on(tmp_path: Path) -> None:
    run = config(tmp_path / "out")
    checkpoints = Checkpoints.for_run(run)
    assert checkpoints is not None and checkpoints.folder == tmp_path / "out.checkpoint"
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    checkpoints.save(4, model, optimizer, schedule, random.Random(1), [0.5], [])
    assert checkpoints.load() is not None
    assert Checkpoints.for_run(config(tmp_path / "out", log_every=50)).load() is not None  # same computation
    assert Checkpoints.for_run(config(tmp_path / "out", lr=1e-3)).load() is None  # another run
    init = tmp_path / "init"
    init.mkdir()
    (init / WEIGHTS_FILE).write_bytes(b"weights one")
    first = fingerprint(config(tmp_path / "out", init=init))
    (init / WEIGHTS_FILE).write_bytes(b"weights two")  # the upstream stage ran again
    assert fingerprint(config(tmp_path / "out", init=init)) != first
    assert Checkpoints.for_run(config(tmp_path / "out", checkpoint_every=0)) is None
    (checkpoints.folder / STATE_FILE).write_bytes(b"cut short")  # a foreign or truncated file
    assert checkpoints.load() is None
    assert checkpoints.due(4, 12) and not checkpoints.due(5, 12) and not checkpoints.due(11, 12)
