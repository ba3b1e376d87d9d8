"""The risk model: one compact BERT encoder pass serves every head.

- ``sentiment``: document sentiment (3 classes) from [CLS];
- ``ner``: BIO tags for ORG, PER and LOC on every token;
- ``events``: multi-label risk-event types of the document, from [CLS];
- ``entity_negative`` and ``entity_events``: for each entity, from [CLS] beside the mean of the token
  vectors of all its mentions, so judging N entities costs one encoder pass, not N.

Only this module and the training loop touch torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import BertConfig, BertModel

from nlp.labels import EVENT_TYPES, NER_TAGS, SENTIMENT_LABELS
from nlp.model_files import CONFIG_FILE, WEIGHTS_FILE


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
    name: str = "riskwatch-zh-mini"
    version: str = "0"

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


class RiskModel(nn.Module):
    def __init__(self, config: RiskModelConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.encoder = BertModel(config.bert(), add_pooling_layer=False)
        self.dropout = nn.Dropout(config.dropout)
        self.sentiment = nn.Linear(hidden, len(config.sentiment_labels))
        self.ner = nn.Linear(hidden, len(config.ner_tags))
        self.events = nn.Linear(hidden, len(config.event_types))
        self.entity_negative = nn.Linear(2 * hidden, 1)
        self.entity_events = nn.Linear(2 * hidden, len(config.event_types))

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    @staticmethod
    def entity_vectors(hidden: torch.Tensor, entities: EntityBatch) -> torch.Tensor:
        """[CLS] of the entity's sequence beside the mean of its mentions' token vectors: ``(entities, 2h)``."""
        positions = torch.arange(hidden.shape[1], device=hidden.device)
        # mask[m, t] = token t of mention m's sequence lies inside the mention
        mask = (positions[None, :] >= entities.starts[:, None]) & (
            positions[None, :] < entities.ends[:, None]
        )
        mention_sum = (hidden[entities.sequence_of] * mask[..., None]).sum(dim=1)
        mention_len = mask.sum(dim=1, keepdim=True).clamp(min=1)
        mention_mean = mention_sum / mention_len
        pooled = torch.zeros(entities.count, hidden.shape[2], device=hidden.device, dtype=hidden.dtype)
        counts = torch.zeros(entities.count, 1, device=hidden.device, dtype=hidden.dtype)
        pooled.index_add_(0, entities.entity_of, mention_mean)
        counts.index_add_(0, entities.entity_of, torch.ones_like(mention_len, dtype=hidden.dtype))
        return torch.cat([hidden[entities.entity_sequence, 0], pooled / counts.clamp(min=1)], dim=-1)

    def heads(self, hidden: torch.Tensor) -> dict[str, torch.Tensor]:
        """Document and token heads on encoder states (no entity heads)."""
        cls = hidden[:, 0]
        return {"sentiment": self.sentiment(cls), "ner": self.ner(hidden), "events": self.events(cls)}

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, entities: EntityBatch | None = None
    ) -> dict[str, torch.Tensor]:
        hidden = self.dropout(self.encode(input_ids, attention_mask))
        out = self.heads(hidden)
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
