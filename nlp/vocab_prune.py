"""Cut a trained model's vocabulary down to the tokens its training texts contain.

The shared vocabulary is bert-base-chinese's 21,128 WordPiece tokens; the fine-tuning texts use about a third
of them. A row of the word-embedding matrix that no training text ever selected got no gradient: it is still
its random initial value and tells the encoder nothing a ``[UNK]`` would not. At hidden size 256 those rows are
most of the model's parameters, so dropping them halves the shipped file without changing any prediction on
text made of seen tokens (tested). An unseen token now reads as ``[UNK]``, whose embedding *was* trained.

    riskwatch prune-vocab --model data/models/run5 --output nlp/models/riskwatch-zh-mini

Continued training (``riskwatch train --init``) uses the pruned folder's own ``vocab.txt``.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import torch

from nlp.encoding import build_tokenizer, load_vocab
from nlp.model import RiskModel
from nlp.model_files import VOCAB_FILE
from nlp.text import normalise
from nlp.train import example_texts, training_examples

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
EMBEDDING_KEYS = ("encoder.embeddings.word_embeddings.weight", "ner.embeddings.weight")
"""Every table with a row per token: the encoder's, and the BiLSTM NER head's when it has one."""


def token_counts(texts: Iterable[str], vocab_path: Path) -> Counter[int]:
    """How often each token id occurs in ``texts`` under the tokenizer of ``vocab_path``, read exactly as
    :func:`nlp.encoding.encode_windows` reads them (normalised first: ``，`` is ``,`` to the model)."""
    tokenizer = build_tokenizer(vocab_path)
    counts: Counter[int] = Counter()
    for text in texts:
        counts.update(tokenizer(normalise(text), add_special_tokens=False, truncation=False)["input_ids"])
    return counts


def kept_ids(vocab: list[str], counts: Counter[int], min_count: int = 1) -> list[int]:
    """Ids to keep, in their old order: the special tokens and every token seen ``min_count`` times."""
    specials = {vocab.index(token) for token in SPECIAL_TOKENS if token in vocab}
    missing = [token for token in SPECIAL_TOKENS if token not in vocab]
    if missing:
        raise ValueError(f"the vocabulary lacks {', '.join(missing)}")
    return [i for i in range(len(vocab)) if i in specials or counts[i] >= min_count]


def prune_model(model: RiskModel, keep: list[int]) -> RiskModel:
    """A copy of ``model`` whose word embeddings are the rows ``keep`` (new id = position in ``keep``)."""
    state = model.state_dict()
    for key in EMBEDDING_KEYS:
        if key in state:
            state[key] = state[key][torch.tensor(keep)].clone()
    pruned = RiskModel(replace(model.config, vocab_size=len(keep)))
    pruned.load_state_dict(state)
    pruned.eval()
    return pruned


def prune_folder(source: Path, output: Path, texts: Iterable[str], min_count: int = 1) -> dict[str, int]:
    """Write ``source``'s model to ``output`` with the vocabulary cut to the tokens seen in ``texts``.
    Other files of the folder (the model card) are copied as they are. Returns the sizes before and after."""
    vocab = list(load_vocab(source / VOCAB_FILE))  # tokens in id order
    model = RiskModel.load(source)
    if model.config.vocab_size != len(vocab):
        raise ValueError(
            f"{source}: {VOCAB_FILE} has {len(vocab)} tokens, the model {model.config.vocab_size}"
        )
    keep = kept_ids(vocab, token_counts(texts, source / VOCAB_FILE), min_count)
    pruned = prune_model(model, keep)
    output.mkdir(parents=True, exist_ok=True)
    for extra in source.iterdir():
        if extra.is_file() and extra.suffix == ".md":
            shutil.copyfile(extra, output / extra.name)
    pruned.save(output)
    (output / VOCAB_FILE).write_text("".join(vocab[i] + "\n" for i in keep), "utf-8")
    return {"tokens_before": len(vocab), "tokens_after": len(keep)}


def training_texts() -> list[str]:
    """The fine-tuning texts of every task (the shared training splits)."""
    return example_texts(training_examples())
