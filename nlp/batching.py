"""Examples → padded tensors for :class:`nlp.model.RiskModel`, with the targets of each head.

Targets a batch lacks are marked so the loss skips them: -100 for class indices, an empty mask otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import BertTokenizer

from nlp.encoding import Encoded, encode_windows
from nlp.examples import Example
from nlp.labels import IGNORE, NER_TAGS
from nlp.model import EntityBatch


@dataclass
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    entities: EntityBatch
    sentiment: torch.Tensor  # (batch,) label or IGNORE
    ner: torch.Tensor  # (batch, length) tag or IGNORE
    events: torch.Tensor  # (batch, types) 0/1
    events_mask: torch.Tensor  # (batch,) bool: the example has event targets
    entity_negative: torch.Tensor  # (entities,) 0/1
    entity_negative_mask: torch.Tensor  # (entities,) bool
    entity_events: torch.Tensor  # (entities, types)
    entity_events_mask: torch.Tensor  # (entities,) bool


def ner_tags(window: Encoded, spans: Sequence[tuple[int, int, str]]) -> list[int]:
    tags = [NER_TAGS.index("O")] * len(window.input_ids)
    tags[0] = tags[-1] = IGNORE
    for start, end, kind in spans:
        tokens = window.token_span(start, end)
        if tokens is None:
            continue
        tags[tokens[0]] = NER_TAGS.index(f"B-{kind}")
        for index in range(tokens[0] + 1, tokens[1]):
            tags[index] = NER_TAGS.index(f"I-{kind}")
    return tags


def collate(
    examples: Sequence[Example], tokenizer: BertTokenizer, max_length: int, event_types: Sequence[str]
) -> Batch:
    """Training batch: the first window of each text (long texts are cut here, never at inference)."""
    windows = [encode_windows(tokenizer, ex.text, max_length, stride=0)[0] for ex in examples]
    length = max(len(w.input_ids) for w in windows)
    size = len(examples)
    input_ids = torch.full((size, length), tokenizer.pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((size, length), dtype=torch.long)
    sentiment = torch.full((size,), IGNORE, dtype=torch.long)
    ner = torch.full((size, length), IGNORE, dtype=torch.long)
    events = torch.zeros((size, len(event_types)))
    events_mask = torch.zeros(size, dtype=torch.bool)
    mention_rows: list[tuple[int, int, int, int]] = []  # (sequence, start, end, entity)
    entity_rows: list[tuple[int, float | None, frozenset[str] | None]] = []
    for row, (example, window) in enumerate(zip(examples, windows, strict=True)):
        input_ids[row, : len(window.input_ids)] = torch.tensor(window.input_ids)
        attention_mask[row, : len(window.input_ids)] = 1
        if example.sentiment is not None:
            sentiment[row] = example.sentiment
        if example.ner_spans is not None:
            ner[row, : len(window.input_ids)] = torch.tensor(ner_tags(window, example.ner_spans))
        if example.event_types is not None:
            events_mask[row] = True
            for event_type in example.event_types:
                events[row, event_types.index(event_type)] = 1.0
        for target in example.entities:
            entity_index = len(entity_rows)
            for start, end in target.mentions:
                tokens = window.token_span(start, end)
                if tokens is not None:
                    mention_rows.append((row, tokens[0], tokens[1], entity_index))
            negative = None if target.negative is None else float(target.negative)
            entity_rows.append((row, negative, target.event_types))
    entity_events = torch.zeros((len(entity_rows), len(event_types)))
    for index, (_, _, types) in enumerate(entity_rows):
        for event_type in types or ():
            entity_events[index, event_types.index(event_type)] = 1.0
    return Batch(
        input_ids=input_ids,
        attention_mask=attention_mask,
        entities=entity_batch(mention_rows, [row for row, _, _ in entity_rows]),
        sentiment=sentiment,
        ner=ner,
        events=events,
        events_mask=events_mask,
        entity_negative=torch.tensor([n if n is not None else 0.0 for _, n, _ in entity_rows]),
        entity_negative_mask=torch.tensor([n is not None for _, n, _ in entity_rows], dtype=torch.bool),
        entity_events=entity_events,
        entity_events_mask=torch.tensor([t is not None for _, _, t in entity_rows], dtype=torch.bool),
    )


def entity_batch(
    mentions: Sequence[tuple[int, int, int, int]], entity_sequences: Sequence[int]
) -> EntityBatch:
    """Mentions ``(sequence, first token, end token, entity)`` and each entity's sequence, as tensors."""

    def column(index: int) -> torch.Tensor:
        return torch.tensor([m[index] for m in mentions], dtype=torch.long)

    return EntityBatch(
        sequence_of=column(0),
        starts=column(1),
        ends=column(2),
        entity_of=column(3),
        entity_sequence=torch.tensor(list(entity_sequences), dtype=torch.long),
    )
