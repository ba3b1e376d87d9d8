"""The risk model: one compact BERT encoder pass serves every head.

- ``sentiment``: document sentiment (3 classes) from [CLS];
- ``ner``: BIO tags for ORG, PER and LOC on every token, either a linear layer on the encoder's states
  (``ner_head: linear``, the first models) or a character BiLSTM over its own embeddings
  (``ner_head: bilstm``): an encoder trained from scratch on two CPU cores, without a pretrained
  language model, tags organisations far worse (ORG F1 0.35) than a BiLSTM trained in minutes, so the
  tagger uses the recurrent one; it runs in the same forward call. ``ner_head: cnn`` is a faster head of
  the same kind: dilated convolutions, which run over all tokens at once;
- ``events``: multi-label risk-event types of the document, from [CLS];
- ``entity_negative`` and ``entity_events``: for each entity, from [CLS] beside the mean of the token
  vectors of all its mentions, so judging N entities costs one encoder pass, not N.

Only this module and the training loop touch torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F
from transformers import BertConfig, BertModel

from nlp.labels import EVENT_TYPES, NER_TAGS, SENTIMENT_LABELS
from nlp.model_files import CONFIG_FILE, WEIGHTS_FILE
from nlp.ner_crf import ChainCrf

NER_HEADS = ("linear", "bilstm", "cnn")


@dataclass
class RiskModelConfig:
    vocab_size: int = 21128
    hidden_size: int = 312
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1248
    max_length: int = 256
    dropout: float = 0.1
    sentiment_labels: list[str] = field(default_factory=lambda: list(SENTIMENT_LABELS))
    ner_tags: list[str] = field(default_factory=lambda: list(NER_TAGS))
    event_types: list[str] = field(default_factory=lambda: list(EVENT_TYPES))
    ner_head: str = "linear"  # "linear" on the encoder's states, "bilstm" or "cnn" (see the module docstring)
    ner_hidden: int = 192  # each direction of each BiLSTM layer; the CNN's channels
    ner_layers: int = 2  # BiLSTM layers; the CNN's dilated convolutions (dilations 1, 2, 4, 8, 1, 2, …)
    ner_crf: bool = False  # a linear-chain CRF on the NER scores (nlp.ner_crf), trained and decoded with them
    name: str = "riskwatch-zh-mini"
    version: str = "0"

    def __post_init__(self) -> None:
        if self.ner_head not in NER_HEADS:
            raise ValueError(f"ner_head: {self.ner_head!r} is not one of {', '.join(NER_HEADS)}")

    def bert(self) -> BertConfig:
        return BertConfig(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            intermediate_size=self.intermediate_size,
            max_position_embeddings=max(512, self.max_length),
            hidden_dropout_prob=self.dropout,
            attention_probs_dropout_prob=self.dropout,
        )


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[row]`` steps, padding left where it is: ``(batch, time, ...)``.
    Its own inverse. What lets a backward LSTM read real tokens before padding without packing. One row
    lookup over the flattened steps (an element-wise gather would build an index as large as ``x``)."""
    batch, steps = x.shape[0], x.shape[1]
    positions = torch.arange(steps, device=x.device)[None, :]
    index = torch.where(positions < lengths[:, None], lengths[:, None] - 1 - positions, positions)
    rows = (index + steps * torch.arange(batch, device=x.device)[:, None]).reshape(-1)
    return x.reshape(batch * steps, *x.shape[2:])[rows].reshape(x.shape)


class BiLstmTagger(nn.Module):
    """Per-token tag logits from a character BiLSTM over its own embeddings.

    Each direction is a one-way LSTM; the backward one reads each row reversed within its length, so a
    token's tags never depend on how much padding its batch has (nor on its batch mates), and the module
    exports to ONNX as plain LSTM and Gather nodes.
    """

    def __init__(self, vocab_size: int, embedding: int, hidden: int, layers: int, tags: int, dropout: float):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding)
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for layer in range(layers):
            size = embedding if layer == 0 else 2 * hidden
            self.forward_layers.append(nn.LSTM(size, hidden, batch_first=True))
            self.backward_layers.append(nn.LSTM(size, hidden, batch_first=True))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * hidden, tags)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        lengths = attention_mask.sum(dim=1)
        x = self.dropout(self.embeddings(input_ids))
        for forward_lstm, backward_lstm in zip(self.forward_layers, self.backward_layers, strict=True):
            ahead, _ = forward_lstm(x)
            behind, _ = backward_lstm(reverse_padded(x, lengths))
            x = self.dropout(torch.cat([ahead, reverse_padded(behind, lengths)], dim=-1))
        return self.output(x)


class CnnTagger(nn.Module):
    """Per-token tag logits from dilated character convolutions over their own embeddings: the NER head
    for speed. Every layer is a width-3 convolution (dilations 1, 2, 4, 8, then again), GELU, a residual
    connection and LayerNorm; four layers see 15 characters either side. Padding is zeroed before every
    convolution, so a token's tags never depend on its batch (as the BiLSTM's do not), and convolutions
    run in parallel over the tokens where an LSTM steps through them one at a time."""

    def __init__(self, vocab_size: int, embedding: int, hidden: int, layers: int, tags: int, dropout: float):
        """``hidden``: the channels of every convolution (the BiLSTM's argument name, so either head is
        built the same way)."""
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding)
        self.input = nn.Linear(embedding, hidden)
        dilations = [2 ** (layer % 4) for layer in range(layers)]
        self.convolutions = nn.ModuleList(
            nn.Conv1d(hidden, hidden, 3, padding=d, dilation=d) for d in dilations
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in dilations)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, tags)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = attention_mask[..., None].to(self.embeddings.weight.dtype)
        x = self.input(self.dropout(self.embeddings(input_ids))) * keep
        for convolution, norm in zip(self.convolutions, self.norms, strict=True):
            update = F.gelu(self._convolve(convolution, x))
            x = norm(x + self.dropout(update)) * keep
        return self.output(x)

    @staticmethod
    def _convolve(convolution: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
        """``convolution`` over ``x`` (batch, tokens, channels), computed as one matrix product of each token
        with its two neighbours at the dilation: the same sum as the convolution, but it runs where matrix
        products are fastest (bfloat16 AMX tiles, ONNX Runtime's int8 MatMul) and convolutions are not."""
        step = convolution.dilation[0]
        steps = x.shape[1]
        padded = F.pad(x, (0, 0, step, step))
        neighbours = torch.cat(
            [padded[:, :steps], padded[:, step : step + steps], padded[:, 2 * step : 2 * step + steps]],
            dim=-1,
        )
        weight = convolution.weight.permute(0, 2, 1).reshape(convolution.out_channels, -1)
        return F.linear(neighbours, weight, convolution.bias)


def input_dtype(layer: nn.Module) -> torch.dtype:
    """The dtype ``layer`` takes its input in: its weights' (float32, or bfloat16 for a bf16 encoder), or
    float32 for a dynamically quantised int8 layer (``inference: torch-int8``), whose ``weight`` is a method
    and which quantises its float32 input itself."""
    weight = getattr(layer, "weight", None)
    return weight.dtype if isinstance(weight, torch.Tensor) else torch.float32


ID_TAGGERS = (BiLstmTagger, CnnTagger)
"""NER heads that read the token ids with embeddings of their own, not the encoder's states."""


@dataclass
class EntityBatch:
    """Mentions of the entities judged in a batch: mention ``m`` of entity ``entity_of[m]`` covers tokens
    ``[starts[m], ends[m])`` of sequence ``sequence_of[m]``; entity ``e`` belongs to ``entity_sequence[e]``."""

    sequence_of: torch.Tensor
    starts: torch.Tensor
    ends: torch.Tensor
    entity_of: torch.Tensor
    entity_sequence: torch.Tensor

    @property
    def count(self) -> int:
        return int(self.entity_sequence.shape[0])


@dataclass
class EntityRows:
    """The token rows mentions cover: mention ``m`` is rows ``first[m] … first[m] + lengths[m] - 1``;
    ``rows`` lists them all, ``mention_of_row`` says whose each is."""

    lengths: torch.Tensor
    rows: torch.Tensor
    mention_of_row: torch.Tensor

    @classmethod
    def of(cls, first: torch.Tensor, lengths: torch.Tensor) -> EntityRows:
        lengths = lengths.clamp(min=0)
        mention_of_row = torch.repeat_interleave(
            torch.arange(lengths.shape[0], device=lengths.device), lengths
        )
        row_starts = torch.cumsum(lengths, 0) - lengths
        within = torch.arange(mention_of_row.shape[0], device=lengths.device) - row_starts[mention_of_row]
        return cls(lengths, first[mention_of_row] + within, mention_of_row)

    @property
    def count(self) -> int:
        return int(self.lengths.shape[0])


@dataclass
class TokenRows:
    """Token vectors of several forward batches as rows ``(tokens, hidden)``, kept batch by batch: row ``r``
    is row ``r - start`` of the batch that starts at ``start``. Not concatenated, since the entity heads read
    only the rows their mentions and [CLS] cover (a copy of every row cost ~0.6 ms a document)."""

    chunks: list[torch.Tensor]
    width: int

    def __len__(self) -> int:
        return sum(int(chunk.shape[0]) for chunk in self.chunks)

    def __getitem__(self, rows: torch.Tensor) -> torch.Tensor:
        """``take(rows)``: so that :meth:`RiskModel.entity_vectors_of_rows` reads it as it reads a tensor."""
        return self.take(rows)

    def take(self, rows: torch.Tensor) -> torch.Tensor:
        """The rows ``rows`` (global indices), in that order: ``(len(rows), width)``."""
        dtype = self.chunks[0].dtype if self.chunks else torch.float32
        taken = torch.empty(int(rows.shape[0]), self.width, dtype=dtype)
        start = 0
        for chunk in self.chunks:
            end = start + int(chunk.shape[0])
            here = torch.nonzero((rows >= start) & (rows < end)).squeeze(1)
            if here.numel():
                taken[here] = chunk[rows[here] - start]
            start = end
        if rows.numel() and (int(rows.min()) < 0 or int(rows.max()) >= start):
            raise IndexError(f"token rows {int(rows.min())}..{int(rows.max())} outside 0..{start - 1}")
        return taken


class RiskModel(nn.Module):
    def __init__(self, config: RiskModelConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.encoder = BertModel(config.bert(), add_pooling_layer=False)
        self.dropout = nn.Dropout(config.dropout)
        self.sentiment = nn.Linear(hidden, len(config.sentiment_labels))
        self.ner: nn.Module
        if config.ner_head in ("bilstm", "cnn"):
            tagger = BiLstmTagger if config.ner_head == "bilstm" else CnnTagger
            self.ner = tagger(
                config.vocab_size,
                hidden,
                config.ner_hidden,
                config.ner_layers,
                len(config.ner_tags),
                config.dropout,
            )
        else:
            self.ner = nn.Linear(hidden, len(config.ner_tags))
        self.ner_crf = ChainCrf(config.ner_tags) if config.ner_crf else None
        self.events = nn.Linear(hidden, len(config.event_types))
        self.entity_negative = nn.Linear(2 * hidden, 1)
        self.entity_events = nn.Linear(2 * hidden, len(config.event_types))

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    @staticmethod
    def entity_vectors(hidden: torch.Tensor, entities: EntityBatch) -> torch.Tensor:
        """[CLS] of the entity's sequence beside the mean of its mentions' token vectors: ``(entities, 2h)``."""
        length = hidden.shape[1]
        return RiskModel.entity_vectors_of_rows(
            hidden.reshape(-1, hidden.shape[2]),
            entities.entity_sequence * length,
            EntityRows.of(entities.sequence_of * length + entities.starts, entities.ends - entities.starts),
            entities.entity_of,
        )

    @staticmethod
    def entity_vectors_of_rows(
        tokens: torch.Tensor | TokenRows,
        cls_rows: torch.Tensor,
        mentions: EntityRows,
        entity_of: torch.Tensor,
        dtype: torch.dtype | None = None,
    ) -> torch.Tensor:
        """:meth:`entity_vectors` over token vectors flattened to rows ``(tokens, h)`` (a tensor, or the
        batches of :class:`TokenRows`): entity ``e``'s [CLS] is row ``cls_rows[e]``; mention ``m`` (of entity
        ``entity_of[m]``) covers the rows of ``mentions``. Reads only the rows the mentions cover, so a batch
        of many windows costs no more than its mentions. ``dtype``: what the rows read are cast to (default:
        the tokens' own)."""
        vectors = tokens[mentions.rows]
        dtype = dtype or vectors.dtype
        vectors = vectors.to(dtype)
        width = vectors.shape[1]
        mention_sum = torch.zeros(mentions.count, width, dtype=dtype, device=vectors.device)
        mention_sum.index_add_(0, mentions.mention_of_row, vectors)
        mention_len = mentions.lengths.clamp(min=1).to(dtype)[:, None]
        mention_mean = mention_sum / mention_len
        count = int(cls_rows.shape[0])
        pooled = torch.zeros(count, width, dtype=dtype, device=vectors.device)
        counts = torch.zeros(count, 1, dtype=dtype, device=vectors.device)
        pooled.index_add_(0, entity_of, mention_mean)
        counts.index_add_(0, entity_of, torch.ones_like(mention_len))
        return torch.cat([tokens[cls_rows].to(dtype), pooled / counts.clamp(min=1)], dim=-1)

    def ner_logits(
        self, hidden: torch.Tensor | None, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Tag logits ``(batch, tokens, tags)``; the BiLSTM and CNN heads read the ids, not ``hidden`` (which
        may then be ``None``: training their task needs no encoder pass)."""
        if isinstance(self.ner, ID_TAGGERS):
            return self.ner(input_ids, attention_mask)
        assert hidden is not None, "the linear NER head reads the encoder's states"
        return self.ner(hidden.to(input_dtype(self.ner)))

    def crf_scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
        """The NER CRF's (start, transitions, end) scores for decoding, or None without a CRF."""
        return self.ner_crf.scores() if self.ner_crf is not None else None

    def with_crf(self) -> RiskModel:
        """A copy with a new NER CRF (zero scores: it decodes as the constraints alone did) and every weight
        of this model."""
        model = RiskModel(replace(self.config, ner_crf=True))
        model.load_state_dict(self.state_dict(), strict=False)
        return model

    def heads(
        self, hidden: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """Document and token heads (no entity heads) on encoder states and the ids they came from. States in
        another precision than a head's (a bfloat16 encoder) are cast for it: only [CLS] for the document
        heads."""
        cls = hidden[:, 0].to(input_dtype(self.sentiment))
        return {
            "sentiment": self.sentiment(cls),
            "ner": self.ner_logits(hidden, input_ids, attention_mask),
            "events": self.events(cls),
        }

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, entities: EntityBatch | None = None
    ) -> dict[str, torch.Tensor]:
        hidden = self.dropout(self.encode(input_ids, attention_mask))
        out = self.heads(hidden, input_ids, attention_mask)
        if entities is not None and entities.count:
            vectors = self.entity_vectors(hidden, entities)
            out["entity_negative"] = self.entity_negative(vectors).squeeze(-1)
            out["entity_events"] = self.entity_events(vectors)
        return out

    def save(self, folder: Path, half: bool = True) -> None:
        """Weights as safetensors (fp16 by default: half the size, same predictions to ~1e-3) and config."""
        folder.mkdir(parents=True, exist_ok=True)
        state = {
            k: (v.half() if half and v.is_floating_point() else v).contiguous()
            for k, v in self.state_dict().items()
        }
        save_file(state, str(folder / WEIGHTS_FILE))
        (folder / CONFIG_FILE).write_text(
            json.dumps(asdict(self.config), ensure_ascii=False, indent=2), "utf-8"
        )

    def with_layers(self, count: int) -> RiskModel:
        """A copy keeping the encoder's bottom ``count`` layers and every head: the start of a smaller,
        faster model (dropping the top layers loses least; fine-tuning then recovers most of it)."""
        if not 1 <= count <= self.config.num_layers:
            raise ValueError(f"keep_layers must be between 1 and {self.config.num_layers}, got {count}")
        model = RiskModel(replace(self.config, num_layers=count))
        kept = {
            k: v
            for k, v in self.state_dict().items()
            if not k.startswith("encoder.encoder.layer.") or int(k.split(".")[3]) < count
        }
        model.load_state_dict(kept)
        return model

    def with_ner_head(self, kind: str, hidden: int | None = None, layers: int | None = None) -> RiskModel:
        """A copy with a new, untrained NER head of ``kind`` (``hidden`` units or channels, ``layers``
        layers; by default this model's sizes) and every other weight of this model, its CRF included. A new
        BiLSTM's or CNN's embeddings start from the encoder's word embeddings."""
        config = replace(
            self.config,
            ner_head=kind,
            ner_hidden=hidden or self.config.ner_hidden,
            ner_layers=layers or self.config.ner_layers,
        )
        model = RiskModel(config)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith("ner.")}
        model.load_state_dict(state, strict=False)
        if isinstance(model.ner, ID_TAGGERS):
            with torch.no_grad():
                model.ner.embeddings.weight.copy_(self.encoder.embeddings.word_embeddings.weight)
        return model

    @classmethod
    def load(cls, folder: Path) -> RiskModel:
        config = RiskModelConfig(**json.loads((folder / CONFIG_FILE).read_text("utf-8")))
        model = cls(config)
        state = {
            k: v.float() if v.is_floating_point() else v
            for k, v in load_file(str(folder / WEIGHTS_FILE)).items()
        }
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(
                f"{folder}: weights do not fit the config (missing {missing}, unexpected {unexpected})"
            )
        model.eval()
        return model
