"""The files of a model folder, named in one torch-free place so that the CLI and reports can look at a
folder without importing torch."""

from __future__ import annotations

from pathlib import Path

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "riskwatch_model.json"
VOCAB_FILE = "vocab.txt"
CARD_FILE = "MODEL_CARD.md"


def has_weights(folder: Path) -> bool:
    return (folder / WEIGHTS_FILE).is_file()
