"""The NER CRF (nlp.ner_crf): its likelihood and its decoding against exhaustive enumeration, and a model
that gains one keeps decoding as before until it is trained."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from nlp.batching import IGNORE
from nlp.model import RiskModel, RiskModelConfig
from nlp.ner_crf import ChainCrf
from nlp.ner_decode import constrained_tags

TAGS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def _valid(sequence: tuple[int, ...]) -> bool:
    previous = "O"
    for index in sequence:
        tag = TAGS[index]
        if tag.startswith("I-") and previous not in (f"B-{tag[2:]}", tag):
            return False
        previous = tag
    return True


def _trained_crf(seed: int) -> ChainCrf:
    crf = ChainCrf(TAGS)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return crf


def _sequence_score(emissions: torch.Tensor, crf: ChainCrf, sequence: tuple[int, ...]) -> float:
    start, transitions, end = (part.detach() for part in crf.scores())
    total = float(start[sequence[0]] + end[sequence[-1]])
    total += sum(float(emissions[p, t]) for p, t in enumerate(sequence))
    total += sum(float(transitions[a, b]) for a, b in itertools.pairwise(sequence))
    return total


@pytest.mark.parametrize("seed", range(4))
def test_likelihood_matches_enumeration_over_valid_sequences(seed: int) -> None:
    crf = _trained_crf(seed)
    generator = torch.Generator().manual_seed(100 + seed)
    lengths = [4, 2]  # content positions per row; the batch pads the second
    logits = torch.randn(2, 6, len(TAGS), generator=generator)
    gold = [(1, 2, 0, 3), (3, 4)]
    tags = torch.full((2, 6), IGNORE)
    for row, sequence in enumerate(gold):
        tags[row, 1 : 1 + len(sequence)] = torch.tensor(sequence)  # position 0 is [CLS]
    expected = []
    for row, (length, sequence) in enumerate(zip(lengths, gold, strict=True)):
        emissions = logits[row, 1 : 1 + length].log_softmax(-1)
        scores = [
            _sequence_score(emissions, crf, candidate)
            for candidate in itertools.product(range(len(TAGS)), repeat=length)
            if _valid(candidate)
        ]
        partition = math.log(sum(math.exp(s) for s in scores))  # invalid ones weigh e^-10000: nothing
        expected.append(partition - _sequence_score(emissions, crf, sequence))
    assert float(crf.negative_log_likelihood(logits, tags).detach()) == pytest.approx(
        sum(expected) / 2, abs=1e-4
    )


@pytest.mark.parametrize("seed", range(4))
def test_decoding_with_the_crf_finds_the_best_valid_sequence(seed: int) -> None:
    crf = _trained_crf(seed)
    logits = torch.randn(1, 7, len(TAGS), generator=torch.Generator().manual_seed(seed))
    emissions = logits[0, 1:6].log_softmax(-1)
    best = max(
        (c for c in itertools.product(range(len(TAGS)), repeat=5) if _valid(c)),
        key=lambda c: _sequence_score(emissions, crf, c),
    )
    decoded = constrained_tags(logits, [7], TAGS, crf.scores())[0]
    assert decoded == ["O", *(TAGS[i] for i in best), "O"]


def test_a_model_given_a_crf_decodes_as_before_and_keeps_it_in_its_files(tmp_path) -> None:
    config = RiskModelConfig(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                             max_length=16, ner_head="bilstm", ner_hidden=8, ner_layers=1)  # fmt: skip
    model = RiskModel(config).eval()
    assert model.crf_scores() is None
    with_crf = model.with_crf().eval()
    logits = torch.randn(3, 9, len(config.ner_tags), generator=torch.Generator().manual_seed(1))
    lengths = [9, 6, 3]
    assert constrained_tags(logits, lengths, config.ner_tags, with_crf.crf_scores()) == constrained_tags(
        logits, lengths, config.ner_tags
    )
    with torch.no_grad():
        with_crf.ner_crf.transitions[0, 1] = 2.5
    with_crf.save(tmp_path, half=False)
    loaded = RiskModel.load(tmp_path)
    assert loaded.config.ner_crf and float(loaded.ner_crf.transitions[0, 1].detach()) == 2.5


def test_training_goes_on_with_a_crf_and_moves_its_scores(tmp_path, tiny_model_dir) -> None:
    from nlp.train import TrainConfig, train

    output = tmp_path / "crf"
    config = TrainConfig(
        output=output, init=tiny_model_dir, ner_crf=True, pretrain_steps=0, steps=6, batch_size=8,
        limit=40, ner_lr=1e-2, task_weights={"ner": 1.0}, log_every=2,
    )  # fmt: skip
    model = train(config)
    assert model.config.ner_crf and float(model.ner_crf.transitions.detach().abs().sum()) > 0
    loaded = RiskModel.load(output)
    assert torch.equal(loaded.ner_crf.transitions, model.ner_crf.transitions.detach().half().float())
