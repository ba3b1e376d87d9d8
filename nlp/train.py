"""Training: masked-language-model pretraining of the encoder, then multi-task fine-tuning of all heads.

``riskwatch train`` runs both from the shared data and writes a model folder (weights, config, vocab).
Pretraining reads the unlabelled corpus plus every training text; its loss is computed on the masked
positions only (the vocabulary projection runs on those rows alone). Fine-tuning samples one task per step
in proportion to ``task_weights``; each head's loss counts only where the batch has targets for it.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from nlp import data, ner_data
from nlp.batching import IGNORE, Batch, collate
from nlp.company_news import (
    GOOD_NEWS_PAIRS,
    company_actions,
    company_names,
    company_news_examples,
    lexicon_words,
)
from nlp.encoding import build_tokenizer, encode_windows
from nlp.examples import Example, from_entity_negative, from_event_text, from_forum, from_ner
from nlp.model import ID_TAGGERS, RiskModel, RiskModelConfig
from nlp.model_files import VOCAB_FILE
from nlp.ner_crf import ChainCrf
from nlp.train_checkpoint import Checkpoints

logger = logging.getLogger(__name__)


DEFAULT_TASK_WEIGHTS = {"entity_negative": 3.0, "events": 3.0, "forum": 2.0, "ner": 3.0, "company_news": 1.0}
"""How often each fine-tuning task's batch is drawn, relative to the others."""
COMPANY_NEWS_EXAMPLES = 6000
"""Lexicon-built company-news examples (:mod:`nlp.company_news`) made for fine-tuning."""


@dataclass
class TrainConfig:
    output: Path
    hidden_size: int = 312
    num_layers: int = 4
    num_heads: int = 4
    max_length: int = 160
    pretrain_steps: int = 3000
    pretrain_batch: int = 64
    pretrain_lr: float = 5e-4
    mask_probability: float = 0.15
    steps: int = 4000
    batch_size: int = 32
    lr: float = 2e-4
    ner_head: str | None = None  # None: "bilstm" from scratch, the init model's head with --init
    ner_hidden: int | None = None  # a new NER head's units or channels (None: the model's, 192 from scratch)
    ner_layers: int | None = None  # a new NER head's layers (None: the model's, 2 from scratch)
    ner_lr: float = 2e-3  # the BiLSTM NER head's learning rate (an LSTM from scratch wants more than BERT)
    ner_crf: bool = False  # add a CRF to the NER head (nlp.ner_crf); kept from --init when it has one
    ner_swap: float = 0.0  # share of NER sentences also trained with organisations renamed (ner_augment)
    crf_lr: float = 1e-2  # the CRF's scores start at 0 and are few: they take a larger step than the LSTM
    warmup_fraction: float = 0.06
    task_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TASK_WEIGHTS))
    limit: int | None = None  # examples per dataset, for smoke runs
    init: Path | None = None  # continue from this model folder (its architecture wins over the size options)
    keep_layers: int | None = None  # with init: keep only the encoder's bottom layers (a smaller model)
    seed: int = 13
    device: str = "cuda" if torch.cuda.is_available() else "cpu"
    log_every: int = 100
    checkpoint_every: int = 500  # fine-tuning steps between checkpoints (nlp.train_checkpoint); 0: none


def parse_task_weights(text: str) -> dict[str, float]:
    """``"ner=5,forum=3"`` → the default weights with those tasks changed; an unknown task or a weight that
    is not a number ≥ 0 is a ValueError naming it."""
    weights = dict(DEFAULT_TASK_WEIGHTS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in weights:
            raise ValueError(f"{item!r}: expected TASK=WEIGHT with TASK one of {', '.join(weights)}")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"{name}: weight {value.strip()!r} is not a number") from None
        if not weight >= 0:
            raise ValueError(f"{name}: weight must be 0 or more, got {value.strip()}")
        weights[name] = weight
    if not any(weights.values()):
        raise ValueError("every task weight is 0: nothing to train")
    return weights


class MaskedLmHead(nn.Module):
    """BERT's MLM head with its output projection tied to the encoder's word embeddings."""

    def __init__(self, model: RiskModel) -> None:
        super().__init__()
        hidden = model.config.hidden_size
        self.transform = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden))
        self.embeddings = model.encoder.embeddings.word_embeddings
        self.bias = nn.Parameter(torch.zeros(model.config.vocab_size))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.transform(hidden) @ self.embeddings.weight.T + self.bias


def linear_schedule(
    optimizer: torch.optim.Optimizer, steps: int, warmup: float
) -> torch.optim.lr_scheduler.LambdaLR:
    warm = max(1, int(steps * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
    )


def mask_tokens(
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    special: torch.Tensor,
    probability: float,
    vocab: int,
    mask_id: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """BERT masking: ``probability`` of real tokens chosen; of those 80% [MASK], 10% random, 10% unchanged.
    Returns (masked ids, positions chosen as a bool mask, original ids at those positions)."""
    candidates = attention_mask.bool() & ~special
    chosen = (torch.rand(input_ids.shape) < probability) & candidates
    masked = input_ids.clone()
    roll = torch.rand(input_ids.shape)
    masked[chosen & (roll < 0.8)] = mask_id
    random_positions = chosen & (roll >= 0.8) & (roll < 0.9)
    # random tokens from past the special and [unused] ids of the full vocabulary (~1,000); a pruned one's
    # are fewer, so from its second half at least
    low = min(1000, vocab // 2)
    masked[random_positions] = torch.randint(low, vocab, (int(random_positions.sum()),))
    return masked, chosen, input_ids[chosen]


def pretrain(model: RiskModel, texts: Sequence[str], tokenizer, config: TrainConfig) -> list[float]:
    """Masked-LM pretraining of ``model.encoder`` on ``texts``; returns the loss curve (every log step)."""
    head = MaskedLmHead(model).to(config.device)
    parameters = list(model.encoder.parameters()) + [
        p for n, p in head.named_parameters() if not n.startswith("embeddings")
    ]
    optimizer = torch.optim.AdamW(parameters, lr=config.pretrain_lr, weight_decay=0.01)
    schedule = linear_schedule(optimizer, config.pretrain_steps, config.warmup_fraction)
    rng = random.Random(config.seed)
    special_ids = torch.tensor([tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id])
    curve: list[float] = []
    model.train()
    for step in range(config.pretrain_steps):
        batch_texts = [texts[rng.randrange(len(texts))] for _ in range(config.pretrain_batch)]
        windows = [
            encode_windows(tokenizer, t, config.max_length, stride=0)[0].input_ids for t in batch_texts
        ]
        length = max(len(w) for w in windows)
        ids = torch.full((len(windows), length), tokenizer.pad_token_id, dtype=torch.long)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = torch.tensor(window)
        attention = (ids != tokenizer.pad_token_id).long()
        masked, chosen, targets = mask_tokens(
            ids,
            attention,
            torch.isin(ids, special_ids),
            config.mask_probability,
            model.config.vocab_size,
            tokenizer.mask_token_id,
        )
        if not chosen.any():
            continue
        hidden = model.encode(masked.to(config.device), attention.to(config.device))
        logits = head(hidden[chosen.to(config.device)])  # only the masked rows reach the vocabulary
        loss = F.cross_entropy(logits, targets.to(config.device))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        if step % config.log_every == 0 or step == config.pretrain_steps - 1:
            curve.append(loss.item())
            logger.info("pretrain step %d/%d: mlm loss %.3f", step, config.pretrain_steps, curve[-1])
    return curve


def multitask_loss(out: dict[str, torch.Tensor], batch: Batch, crf: ChainCrf | None = None) -> torch.Tensor:
    """Sum of each head's loss over the targets the batch has; NER by the CRF's sequence likelihood when the
    model has one, else per token."""
    parts: list[torch.Tensor] = []
    if (batch.sentiment != IGNORE).any():
        parts.append(F.cross_entropy(out["sentiment"], batch.sentiment, ignore_index=IGNORE))
    if (batch.ner != IGNORE).any() and crf is not None:
        parts.append(crf.negative_log_likelihood(out["ner"], batch.ner))
    elif (batch.ner != IGNORE).any():
        parts.append(F.cross_entropy(out["ner"].flatten(0, 1), batch.ner.flatten(), ignore_index=IGNORE))
    if batch.events_mask.any():
        parts.append(
            F.binary_cross_entropy_with_logits(
                out["events"][batch.events_mask], batch.events[batch.events_mask]
            )
        )
    if "entity_negative" in out and batch.entity_negative_mask.any():
        mask = batch.entity_negative_mask
        parts.append(
            F.binary_cross_entropy_with_logits(out["entity_negative"][mask], batch.entity_negative[mask])
        )
    if "entity_events" in out and batch.entity_events_mask.any():
        mask = batch.entity_events_mask
        parts.append(
            F.binary_cross_entropy_with_logits(out["entity_events"][mask], batch.entity_events[mask])
        )
    return torch.stack(parts).sum()


def _to(batch: Batch, device: str) -> Batch:
    moved = {name: getattr(batch, name) for name in batch.__dataclass_fields__}
    for name, value in moved.items():
        if isinstance(value, torch.Tensor):
            moved[name] = value.to(device)
    entities = batch.entities
    moved["entities"] = type(entities)(
        **{n: getattr(entities, n).to(device) for n in entities.__dataclass_fields__}
    )
    return Batch(**moved)


def fine_tune(
    model: RiskModel,
    tasks: dict[str, list[Example]],
    tokenizer,
    config: TrainConfig,
    on_log: Callable[[int, float], None] | None = None,
    checkpoints: Checkpoints | None = None,
    resume: dict | None = None,
) -> list[float]:
    """Multi-task fine-tuning; returns the loss curve. With the BiLSTM NER head, a NER batch runs that head
    alone (no encoder pass) at ``config.ner_lr``; so does the CNN head. ``checkpoints``: save the run's state
    every so many steps; ``resume``: a saved state (:meth:`Checkpoints.load`) to go on from."""
    separate_ner = isinstance(model.ner, ID_TAGGERS)
    ner_parameters = list(model.ner.parameters()) if separate_ner else []
    crf_parameters = list(model.ner_crf.parameters()) if model.ner_crf is not None else []
    own = {id(p) for p in [*ner_parameters, *crf_parameters]}
    groups = [{"params": [p for p in model.parameters() if id(p) not in own], "lr": config.lr}]
    if ner_parameters:
        groups.append({"params": ner_parameters, "lr": config.ner_lr})
    if crf_parameters:
        groups.append({"params": crf_parameters, "lr": config.crf_lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    schedule = linear_schedule(optimizer, config.steps, config.warmup_fraction)
    rng = random.Random(config.seed + 1)
    names = [name for name in tasks if tasks[name] and config.task_weights.get(name, 0) > 0]
    weights = [config.task_weights[name] for name in names]
    curve: list[float] = []
    window: list[float] = []
    first = 0
    if checkpoints is not None and resume is not None:
        resumed = checkpoints.restore(resume, model, optimizer, schedule, rng)
        first, curve, window = resumed.step + 1, resumed.curve, resumed.window
    model.train()
    for step in range(first, config.steps):
        task = rng.choices(names, weights)[0]
        examples = rng.sample(tasks[task], min(config.batch_size, len(tasks[task])))
        batch = _to(collate(examples, tokenizer, config.max_length, model.config.event_types), config.device)
        if task == "ner" and separate_ner:
            out = {"ner": model.ner_logits(None, batch.input_ids, batch.attention_mask)}
        else:
            out = model(batch.input_ids, batch.attention_mask, batch.entities)
        loss = multitask_loss(out, batch, model.ner_crf)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        window.append(loss.item())
        if step % config.log_every == 0 or step == config.steps - 1:
            mean = sum(window) / len(window)
            curve.append(mean)
            window.clear()
            logger.info("fine-tune step %d/%d: loss %.3f", step, config.steps, mean)
            if on_log:
                on_log(step, mean)
        if checkpoints is not None and checkpoints.due(step, config.steps):
            checkpoints.save(step, model, optimizer, schedule, rng, curve, window)
    model.eval()
    return curve


def training_examples(limit: int | None = None, ner_swap: float = 0.0) -> dict[str, list[Example]]:
    """Examples per task from the shared training splits. ``ner_swap``: the share of NER sentences naming an
    organisation that also go in with their organisations swapped for other names (:mod:`nlp.ner_augment`)."""
    entity_train, _ = data.load_entity_negative()
    event_train, _ = data.load_event_texts()
    forum_train, _ = data.load_forum_sentiment()
    ner_train, _ = ner_data.load_ner()

    def head(items: list) -> list:
        return items[:limit] if limit else items

    ner_sentences = head(ner_train)
    if ner_swap:
        from nlp.gazetteer_fit import training_org_names
        from nlp.ner_augment import with_swapped_copies

        ner_sentences = with_swapped_copies(ner_sentences, training_org_names(), ner_swap)

    tasks = {
        "entity_negative": [from_entity_negative(x) for x in head(entity_train)],
        "events": [from_event_text(x) for x in head(event_train)],
        "forum": [from_forum(x) for x in head(forum_train)],
        "ner": [from_ner(x) for x in ner_sentences],
        "company_news": company_news_examples(
            company_names(event_train),
            *lexicon_words(),
            count=limit or COMPANY_NEWS_EXAMPLES,
            actions=company_actions(),
            good_news_pairs=GOOD_NEWS_PAIRS,
        ),
    }
    return tasks


def example_texts(tasks: dict[str, list[Example]]) -> list[str]:
    """The text of every example of every task."""
    return [example.text for examples in tasks.values() for example in examples]


def pretraining_texts(tasks: dict[str, list[Example]], limit: int | None = None) -> list[str]:
    """The texts for MLM pretraining: the shared corpus plus every training text."""
    texts = data.load_corpus_lines(limit=limit) + example_texts(tasks)
    return [t for t in texts if t.strip()]


def train(config: TrainConfig) -> RiskModel:
    """Pretrain, fine-tune and save to ``config.output`` (weights, config and vocab)."""
    torch.manual_seed(config.seed)
    vocab_path = data.data_file("vocab/vocab.txt")
    if config.init and (config.init / VOCAB_FILE).is_file():
        vocab_path = config.init / VOCAB_FILE  # a model goes on with its own (perhaps pruned) vocabulary
    tokenizer = build_tokenizer(vocab_path)
    model_config = RiskModelConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        intermediate_size=4 * config.hidden_size,
        max_length=config.max_length,
        ner_head=config.ner_head or "bilstm",
        ner_hidden=config.ner_hidden or RiskModelConfig.ner_hidden,
        ner_layers=config.ner_layers or RiskModelConfig.ner_layers,
        ner_crf=config.ner_crf,
        version=time.strftime("%Y.%m.%d.%H%M") + f"-h{config.hidden_size}l{config.num_layers}",
    )
    if config.init:
        # Training goes on from a trained model (e.g. the shipped one): same architecture and labels, new
        # version stamp. Its label maps must be today's, or the heads would mean something else.
        model = RiskModel.load(config.init)
        labels = ("vocab_size", "sentiment_labels", "ner_tags", "event_types")
        differ = [n for n in labels if getattr(model.config, n) != getattr(model_config, n)]
        if differ:
            raise ValueError(
                f"{config.init}: {', '.join(differ)} differ from this code's; train from scratch"
            )
        if config.keep_layers:
            model = model.with_layers(config.keep_layers)
        model.config.version = time.strftime("%Y.%m.%d.%H%M") + (
            f"-h{model.config.hidden_size}l{model.config.num_layers}-cont"
        )
        if config.ner_head and config.ner_head != model.config.ner_head:
            # a new head, trained from here
            model = model.with_ner_head(config.ner_head, config.ner_hidden, config.ner_layers)
        if config.ner_crf and model.ner_crf is None:
            model = model.with_crf()
        model = model.to(config.device)
        config = replace(config, max_length=model.config.max_length)  # windows must fit its positions
    else:
        if config.keep_layers:
            raise ValueError("keep_layers needs init: the model folder whose bottom layers to keep")
        model = RiskModel(model_config).to(config.device)
    tasks = training_examples(config.limit, config.ner_swap)
    started = time.monotonic()
    checkpoints = Checkpoints.for_run(config)
    resume = checkpoints.load() if checkpoints is not None else None
    if config.pretrain_steps and resume is None:  # a checkpoint holds the pretrained weights
        pretrain(model, pretraining_texts(tasks, config.limit), tokenizer, config)
    logger.info("pretraining took %.0f s", time.monotonic() - started)
    fine_tune(model, tasks, tokenizer, config, checkpoints=checkpoints, resume=resume)
    model.to("cpu")
    model.save(config.output)
    shutil.copyfile(vocab_path, config.output / VOCAB_FILE)
    if checkpoints is not None:
        checkpoints.remove()
    logger.info("model written to %s (%.0f s in all)", config.output, time.monotonic() - started)
    return model
