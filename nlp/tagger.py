"""The document tagger: the tagging contract of ``riskwatch tag``.

For each record ``{id, title, content, targets?}`` it adds ``sentiment``, ``entities`` (watched entities,
the given targets, and organisations the NER head finds, each judged negative or not with evidence),
``events`` (risk-event types with the entity they concern) and ``model``. Follows transformers' pipeline
shape: :meth:`Tagger.preprocess` (plain Python) → :meth:`Tagger._forward` (the only torch, under
``inference_mode``, batched by length, input order restored) → :meth:`Tagger.postprocess` (plain data).
Long documents are read whole, in windows that end at sentence ends (overlapping where none is near).
Where the model folder carries character n-gram heads (:mod:`nlp.ngram_heads`), document sentiment, event
types and entity negative are blends of theirs and the encoder's, with the weights saved beside them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nlp.decode import bio_spans, evidence_sentences, field_offsets
from nlp.encoding import Encoded, Tokens, build_tokenizer, encode_windows, tokenize
from nlp.event_rules import find_rule_events
from nlp.head_scores import HeadScores, blended, chosen_events, encoder_scores
from nlp.labels import NO_EVENT
from nlp.linking import EntityLinker
from nlp.model import ID_TAGGERS, EntityRows, RiskModel, TokenRows, input_dtype
from nlp.ner_decode import constrained_tags
from nlp.ngram_heads import NgramHeads
from nlp.org_names import GENERIC_ORGANISATIONS, OrgGazetteer, is_authority, merged_spans
from nlp.sentiment import (
    DIRECTION_EVENTS,
    adverse_event_subjects,
    document_sentiment,
    news_subject,
    reads_as_news,
    reads_good_news,
)
from nlp.text import normalise, outermost_mentions, strip_company_suffix
from nlp.watchlist import WatchedEntity

ENTITY_NEGATIVE_THRESHOLD = 0.5
ENTITY_EVENT_THRESHOLD = 0.3


@dataclass
class DocumentEntity:
    name: str
    type: str
    watchlist_id: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)  # offsets in title + "\n" + content
    negative_score: float = 0.0
    event_scores: list[float] = field(default_factory=list)
    watched: bool = True  # a target or a watched entity; False for organisations only the NER head found


@dataclass
class Prepared:
    record: dict[str, Any]
    title: str
    text: str  # title + "\n" + content
    windows: list[Encoded]
    entities: list[DocumentEntity]


@dataclass
class WindowOutput:
    first_row: int  # the row of this window's [CLS] in its batch's token vectors; its tokens follow
    sentiment: list[float]
    ner_tags: list[str]
    events: list[float]


def _occurrences(normalised_text: str, name: str) -> list[tuple[int, int]]:
    needle = normalise(name).strip()
    found: list[tuple[int, int]] = []
    start = normalised_text.find(needle) if needle else -1
    while start >= 0:
        found.append((start, start + len(needle)))
        start = normalised_text.find(needle, start + len(needle))
    return found


def _names_an_organisation(name: str) -> bool:
    """A span worth reporting as an organisation: two characters or more beyond a company suffix, and not a
    generic word such as 公司."""
    core = strip_company_suffix(name)
    return len(core) >= 2 and name not in GENERIC_ORGANISATIONS and core not in GENERIC_ORGANISATIONS


class Tagger:
    def __init__(
        self,
        model: RiskModel,
        tokenizer: Any,
        linker: EntityLinker | None = None,
        batch_size: int = 32,
        stride: int = 32,
        bf16: bool = False,
        encoder: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, dict[str, torch.Tensor]]]
        | None = None,
        ngram: NgramHeads | None = None,
        gazetteer: OrgGazetteer | None = None,
    ) -> None:
        """``encoder``: what computes encoder states and document/token heads for a batch of ids and masks
        (default: ``model.encode`` then ``model.heads``; :class:`nlp.onnx_encoder.OnnxEncoder` runs them in
        ONNX Runtime). The entity heads always run on ``model``. ``ngram``: character n-gram heads to blend
        in (None: the encoder's heads alone). ``bf16``: ``model``'s encoder and id-reading NER head are
        turned to bfloat16 in place (the document and entity heads stay float32)."""
        self.model = model.eval()
        self.ngram = ngram
        self.gazetteer = gazetteer
        self.event_classes = [*model.config.event_types, NO_EVENT]
        self.encoder = encoder
        if bf16:  # the encoder and an id-reading NER head in bfloat16: fast with AMX, slower without
            self.model.encoder.to(torch.bfloat16)
            if isinstance(self.model.ner, ID_TAGGERS):
                self.model.ner.to(torch.bfloat16)
        self.tokenizer = tokenizer
        self.linker = linker
        self.batch_size = batch_size
        self.stride = stride
        self.max_length = model.config.max_length

    @classmethod
    def load(
        cls,
        folder: Path,
        watchlist: Iterable[WatchedEntity] = (),
        int8: bool = False,
        onnx: bool = False,
        ngram: bool = True,
        **options: Any,
    ) -> Tagger:
        """Load a model folder. ``onnx``: run the encoder in ONNX Runtime (exported at load, a few seconds);
        ``int8``: quantise the weights to int8 (ONNX Runtime's dynamic quantisation with ``onnx``, else
        PyTorch's on the linear and LSTM layers), for speed; ``ngram``: blend in the folder's n-gram heads
        where it has them (False: the encoder alone)."""
        entities = list(watchlist)
        linker = EntityLinker(entities) if entities else None
        model = RiskModel.load(folder)
        options["ngram"] = NgramHeads.load(folder) if ngram else None
        options.setdefault("gazetteer", OrgGazetteer.load(folder))
        if onnx:
            from nlp.onnx_encoder import OnnxEncoder

            options["encoder"] = OnnxEncoder(model, int8=int8)
        elif int8:
            with warnings.catch_warnings():
                # torch's note that its quantised-tensor API will move to torchao: nothing a user can act on.
                warnings.filterwarnings("ignore", "torch.quantize_per_tensor", UserWarning)
                warnings.filterwarnings("ignore", "torch.ao.quantization is deprecated", DeprecationWarning)
                model = torch.ao.quantization.quantize_dynamic(
                    model, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8
                )
        return cls(model, build_tokenizer(folder / "vocab.txt"), linker, **options)

    # -- preprocess ---------------------------------------------------------------------------------------

    @staticmethod
    def _fields(record: dict[str, Any]) -> tuple[str, str, str]:
        """``(title, content, title + "\n" + content)``: the text the model reads."""
        title = str(record.get("title") or "")
        content = str(record.get("content") or "")
        return title, content, f"{title}\n{content}"

    def preprocess(self, record: dict[str, Any], tokens: Tokens | None = None) -> Prepared:
        """``tokens``: the record's normalised text already tokenised (:func:`nlp.encoding.tokenize`)."""
        title, content, text = self._fields(record)
        normalised = normalise(text)
        linked = self.linker.link(title, content) if self.linker else []
        entities: list[DocumentEntity] = []
        claimed: set[str] = set()
        for target in dict.fromkeys(str(t) for t in record.get("targets") or []):
            owner = next(
                (le for le in linked if normalise(target) in {normalise(n) for n in le.entity.names}), None
            )
            mentions = _occurrences(normalised, target)
            if owner is not None:
                claimed.add(owner.entity.id)
                mentions += [self._combined(m.field, m.start, m.end, title) for m in owner.mentions]
            entities.append(
                DocumentEntity(target, "ORG", owner.entity.id if owner else None, sorted(set(mentions)))
            )
        for le in linked:
            if le.entity.id not in claimed:
                spans = [self._combined(m.field, m.start, m.end, title) for m in le.mentions]
                entities.append(DocumentEntity(le.entity.name, "ORG", le.entity.id, spans))
        # As in training (nlp.examples.find_mentions): an occurrence inside a longer entity's mention is that
        # entity's, so 宜贷网 named only within 宜贷网(沪) is judged from the document, not from its mention.
        for entity, mentions in zip(
            entities, outermost_mentions([e.mentions for e in entities]), strict=True
        ):
            entity.mentions = mentions
        windows = self.windows(text, tokens)
        return Prepared(record, title, text, windows, entities)

    def windows(self, text: str, tokens: Tokens | None = None) -> list[Encoded]:
        """The windows the model reads ``text`` in: whole sentences where they fit, else overlapping."""
        return encode_windows(
            self.tokenizer, text, self.max_length, self.stride, sentence_ends=True, tokens=tokens
        )

    @staticmethod
    def _combined(field_name: str, start: int, end: int, title: str) -> tuple[int, int]:
        shift = 0 if field_name == "title" else len(title) + 1
        return start + shift, end + shift

    # -- forward (torch) ----------------------------------------------------------------------------------

    def _forward(self, windows: Sequence[Encoded]) -> tuple[list[WindowOutput], TokenRows]:
        """Encoder and document/token heads for every window, batched by length, in input order; and the
        encoder's token vectors of all windows as rows ``(tokens, hidden)`` (see ``first_row``)."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        outputs: list[WindowOutput | None] = [None] * len(windows)
        tags = self.model.config.ner_tags
        rows: list[torch.Tensor] = []
        position = 0
        with torch.inference_mode():
            for first in range(0, len(order), self.batch_size):
                chunk = order[first : first + self.batch_size]
                # padded to a multiple of 16 tokens: few distinct shapes, so oneDNN and ONNX Runtime reuse
                # the kernels they prepared for each (padding changes no output: it is masked)
                longest = max(len(windows[i].input_ids) for i in chunk)
                length = max(longest, min(self.max_length, -(-longest // 16) * 16))
                ids = torch.full((len(chunk), length), self.tokenizer.pad_token_id, dtype=torch.long)
                for row, index in enumerate(chunk):
                    ids[row, : len(windows[index].input_ids)] = torch.tensor(windows[index].input_ids)
                mask = (ids != self.tokenizer.pad_token_id).long()
                if self.encoder is not None:
                    states, out = self.encoder(ids, mask)
                else:
                    states = self.model.encode(ids, mask)
                    out = self.model.heads(states, ids, mask)
                out = {name: value.float() for name, value in out.items()}
                rows.append(states.reshape(-1, states.shape[2]))
                sentiment = out["sentiment"].softmax(-1).tolist()
                events = out["events"].sigmoid().tolist()
                lengths = [len(windows[i].input_ids) for i in chunk]
                ner = constrained_tags(out["ner"], lengths, tags, self.model.crf_scores())
                for row, index in enumerate(chunk):
                    outputs[index] = WindowOutput(
                        position + row * length, sentiment[row], ner[row], events[row]
                    )
                position += len(chunk) * length
        tokens = TokenRows(rows, self.model.config.hidden_size)  # bf16 stays
        return [o for o in outputs if o is not None], tokens

    def _judge_entities(self, read: Sequence[tuple[Prepared, list[WindowOutput]]], tokens: TokenRows) -> None:
        """Entity heads over the batch's token vectors, for every document at once: one row per (entity,
        window that mentions it)."""
        mention_first: list[int] = []
        mention_length: list[int] = []
        mention_of: list[int] = []
        cls_rows: list[int] = []
        owners: list[DocumentEntity] = []
        for prepared, outputs in read:
            for entity in prepared.entities:
                placed = False
                for window, output in zip(prepared.windows, outputs, strict=True):
                    spans = [window.token_span(s, e) for s, e in entity.mentions]
                    spans = [span for span in spans if span is not None]
                    if spans:
                        for start, end in spans:
                            mention_first.append(output.first_row + start)
                            mention_length.append(end - start)
                            mention_of.append(len(owners))
                        cls_rows.append(output.first_row)
                        owners.append(entity)
                        placed = True
                if not placed:  # judged from the document alone, as the model learnt for unfound candidates
                    cls_rows.append(outputs[0].first_row)
                    owners.append(entity)
        if not owners:
            return
        mentions = EntityRows.of(
            torch.tensor(mention_first, dtype=torch.long), torch.tensor(mention_length, dtype=torch.long)
        )
        with torch.inference_mode():
            vectors = self.model.entity_vectors_of_rows(
                tokens,
                torch.tensor(cls_rows, dtype=torch.long),
                mentions,
                torch.tensor(mention_of, dtype=torch.long),
                dtype=input_dtype(self.model.entity_negative),
            )
            negative = self.model.entity_negative(vectors).squeeze(-1).sigmoid().tolist()
            events = self.model.entity_events(vectors).sigmoid().tolist()
        for entity, score, event_scores in zip(owners, negative, events, strict=True):
            entity.negative_score = max(entity.negative_score, score)
            entity.event_scores = (
                [max(a, b) for a, b in zip(entity.event_scores, event_scores, strict=True)]
                if entity.event_scores
                else event_scores
            )

    # -- postprocess ----------------------------------------------------------------------------------------

    def _add_organisations(self, prepared: Prepared, outputs: Sequence[WindowOutput]) -> None:
        """Organisations that no watched entity or target covers: the NER head's, with the names the text
        marks (tickers) and the model's gazetteer knows (:func:`nlp.org_names.merged_spans`)."""
        taken = [m for entity in prepared.entities for m in entity.mentions]
        found: dict[str, DocumentEntity] = {}
        for start, end in self.organisation_spans(prepared.text, prepared.windows, outputs):
            if any(start < e and end > s for s, e in taken):
                continue
            name = prepared.text[start:end].strip()
            entity = found.setdefault(name, DocumentEntity(name, "ORG", None, watched=False))
            if (start, end) not in entity.mentions:
                entity.mentions.append((start, end))
        prepared.entities.extend(found.values())

    def organisation_spans(
        self, text: str, windows: Sequence[Encoded], outputs: Sequence[WindowOutput]
    ) -> list[tuple[int, int]]:
        """ORG spans of ``text``: the NER head's over its windows, merged with marked and known names (the
        head's PER spans veto a marked name inside them)."""
        spans = {
            span
            for window, output in zip(windows, outputs, strict=True)
            for span in bio_spans(output.ner_tags, window)
        }
        head = sorted((start, end) for start, end, kind in spans if kind == "ORG")
        people = sorted((start, end) for start, end, kind in spans if kind == "PER")
        return [
            (start, end)
            for start, end in merged_spans(text, head, self.gazetteer, people)
            if "\n" not in text[start:end] and _names_an_organisation(text[start:end].strip())
        ]

    def encoder_scores(self, prepared: Prepared, outputs: Sequence[WindowOutput]) -> HeadScores:
        """The encoder's probabilities for one document (after :meth:`_judge_entities`)."""
        return encoder_scores(
            [o.sentiment for o in outputs],
            [len(w.input_ids) for w in prepared.windows],
            [o.events for o in outputs],
            [e.negative_score for e in prepared.entities],
        )

    def ngram_scores(self, prepared: Sequence[Prepared]) -> list[HeadScores]:
        """The n-gram heads' probabilities for each document, from the text the encoder read."""
        if self.ngram is None:
            raise ValueError("this tagger has no n-gram heads")
        texts = [p.text.strip() for p in prepared]
        features = self.ngram.document_features(texts)  # one transform for the document and news heads
        sentiment, events, negative = self.ngram.document_scores(
            texts, self.model.config.sentiment_labels, self.event_classes, features
        )
        news, forum = self.ngram.news_scores(features) if self.ngram.has_news else (None, None)
        names = [[e.name for e in item.entities] for item in prepared]
        windows = [
            window
            for item, own in zip(prepared, names, strict=True)
            for window in self.ngram.entity_windows(item.text, own, [e.mentions for e in item.entities])
        ]
        # one transform for the whole batch's entity windows (one per document was a hot-path cost)
        key = self.ngram.key_probabilities(windows, [name for own in names for name in own])
        ends = np.cumsum([len(own) for own in names])
        # "is the text bad news": the news head where the folder has it (balanced over bad, neutral and good
        # news, and better on the dev splits: BDCI key-entity F1 0.908 against 0.905, company news 0.975
        # against 0.925), else the binary document head
        bad_news = negative if news is None else news[:, 0]
        return [
            HeadScores(
                sentiment[row],
                events[row],
                float(bad_news[row]) * key[end - len(own) : end],
                None if news is None else news[row],
                None if forum is None else float(forum[row]),
            )
            for row, (own, end) in enumerate(zip(names, ends, strict=True))
        ]

    def postprocess(self, prepared: Prepared, scores: HeadScores) -> dict[str, Any]:
        title_length = len(prepared.title)
        # a regulator, court or police acts on a keyword event's subject (证监会立案…): never its subject
        subjects = [
            (entity.watchlist_id or entity.name, s, e)
            for entity in prepared.entities
            if not is_authority(entity.name)
            for s, e in entity.mentions
        ]
        rule_events = find_rule_events(prepared.text, subjects)
        cues = [(event.start, event.end) for event in rule_events]
        entities = []
        for entity, negative_score in zip(prepared.entities, scores.entity_negative.tolist(), strict=True):
            negative = negative_score >= ENTITY_NEGATIVE_THRESHOLD
            entities.append(
                {
                    "name": entity.name,
                    "type": entity.type,
                    "watchlist_id": entity.watchlist_id,
                    "mentions": [self._mention(s, e, title_length) for s, e in sorted(entity.mentions)],
                    "negative": negative,
                    "negative_score": round(negative_score, 4),
                    "evidence": evidence_sentences(prepared.text, entity.mentions, cues) if negative else [],
                }
            )
        events = self._events(prepared, scores, rule_events)

        def flag(index: int, score: float) -> None:  # a judgement the entity heads missed, from a rule
            entity = entities[index]
            if not entity["negative"]:
                entity["negative"] = True
                entity["negative_score"] = max(entity["negative_score"], score)
                entity["evidence"] = evidence_sentences(
                    prepared.text, prepared.entities[index].mentions, cues
                )

        if reads_as_news(prepared.record.get("kind"), scores):  # a keyword risk event names its entity
            keys = [(entity.watchlist_id or entity.name, entity.watched) for entity in prepared.entities]
            for index, score in adverse_event_subjects(
                keys, [(e.type, e.entity_id, e.score) for e in rule_events]
            ):
                flag(index, score)
        # the text's own reading, before any entity's flag makes it negative: what its one watched entity gets
        reading = self._sentiment(prepared.record, scores, [], events)
        subject = news_subject([e.watched for e in prepared.entities], reading)
        if subject is not None:
            flag(subject, reading["score"])
        return {
            **prepared.record,
            "sentiment": self._sentiment(prepared.record, scores, entities, events),
            "entities": entities,
            "events": events,
            "model": {"name": self.model.config.name, "version": self.model.config.version},
        }

    def _sentiment(
        self,
        record: dict[str, Any],
        scores: HeadScores,
        entities: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
    ) -> dict[str, Any]:
        """The document label, by what the document is (:func:`nlp.sentiment.document_sentiment`)."""
        return document_sentiment(
            record.get("kind"),
            self.model.config.sentiment_labels,
            scores,
            max((e["negative_score"] for e in entities if e["negative"]), default=0.0),
            max((e["score"] for e in events), default=0.0),
        )

    @staticmethod
    def _mention(start: int, end: int, title_length: int) -> dict[str, Any]:
        field_name, offset = field_offsets(start, title_length)
        return {"field": field_name, "start": offset, "end": offset + (end - start)}

    def _events(
        self, prepared: Prepared, scores: HeadScores, rule_events: Sequence[Any]
    ) -> list[dict[str, Any]]:
        found: dict[tuple[str, str | None], float] = {}
        good_news = reads_good_news(prepared.record.get("kind"), scores)
        for event_type, score in chosen_events(scores.events, self.event_classes):
            if good_news and event_type in DIRECTION_EVENTS:
                continue  # 净利大增 is no 业绩下滑 (nlp.sentiment.DIRECTION_EVENTS)
            k = self.event_classes.index(event_type)
            # a regulator, court or police acts on the subject (证监会立案调查…): it is never the subject itself
            scored = [
                (e.event_scores[k], e)
                for e in prepared.entities
                if e.event_scores and not is_authority(e.name)
            ]
            top = max(scored, key=lambda pair: pair[0], default=(0.0, None))
            entity = top[1].name if top[1] is not None and top[0] >= ENTITY_EVENT_THRESHOLD else None
            found[(event_type, entity)] = max(found.get((event_type, entity), 0.0), score)
        names = {(e.watchlist_id or e.name): e.name for e in prepared.entities}
        for event in rule_events:
            key = (event.type, names.get(event.entity_id) if event.entity_id else None)
            found[key] = max(found.get(key, 0.0), event.score)
        return [
            {"type": event_type, "entity": entity, "score": round(score, 4)}
            for (event_type, entity), score in sorted(found.items(), key=lambda item: -item[1])
        ]

    # -- the whole pipeline -------------------------------------------------------------------------------

    def read(self, records: Sequence[dict[str, Any]]) -> list[tuple[Prepared, list[WindowOutput]]]:
        """Preprocess and run the encoder over a batch of records (windows of all records share forward
        batches), organisations found and entities judged: each record with its window outputs."""
        encoded = tokenize(self.tokenizer, [normalise(self._fields(record)[2]) for record in records])
        prepared = [self.preprocess(record, own) for record, own in zip(records, encoded, strict=True)]
        flat = [window for p in prepared for window in p.windows]
        outputs, vectors = self._forward(flat)
        read: list[tuple[Prepared, list[WindowOutput]]] = []
        position = 0
        for item in prepared:
            own = outputs[position : position + len(item.windows)]
            position += len(item.windows)
            self._add_organisations(item, own)
            read.append((item, own))
        self._judge_entities(read, vectors)
        return read

    def scores(self, read: Sequence[tuple[Prepared, list[WindowOutput]]]) -> list[HeadScores]:
        """Each read record's head probabilities: the encoder's, blended with the n-gram heads' where the
        folder has them."""
        scores = [self.encoder_scores(item, own) for item, own in read]
        if self.ngram is None:
            return scores
        weights = self.ngram.blend
        return [
            blended(encoder, ngram, weights)
            for encoder, ngram in zip(scores, self.ngram_scores([item for item, _ in read]), strict=True)
        ]

    def tag(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Tag a batch of records."""
        read = self.read(records)
        return [self.postprocess(item, s) for (item, _), s in zip(read, self.scores(read), strict=True)]
