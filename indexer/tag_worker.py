"""Tagging workers: documents from the fleet's Redis stream are tagged and stored in batches.

Every ``riskwatch tag-worker`` is a consumer of one consumer group (``taggers``) on the stream that crawl
workers append to (:mod:`crawlers.fleet_sink`). A worker reads a batch (``XREADGROUP``), masks, tags and
stores it through :class:`indexer.pipeline.StoreSink`, and only then acknowledges and deletes the entries
(``XACK`` + ``XDEL``, one transaction). A worker that dies leaves its batch pending; any other worker takes
entries pending longer than ``fleet.claim_idle`` (``XAUTOCLAIM``) before reading new ones. The store writes
by document id, so a batch stored once by the dead worker and again by its heir is still stored once.

The store is opened without a spool: while it is unreachable the entries stay pending in Redis (the
durable queue) and are taken again after ``claim_idle``. An entry that is not a document, or that was
delivered more than ``fleet.max_deliveries`` times (it stops every worker that takes it), is moved to the
dead-letter stream ``<prefix>:documents:dead`` with its reason, counted, and acknowledged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from crawlers.fleet_config import FleetOptions
from crawlers.fleet_sink import FIELD, stream_key
from indexer.errors import StoreUnavailable
from indexer.pipeline import StoreSink
from nlp.types import TaggedDocument

log = logging.getLogger(__name__)
GROUP = "taggers"
READ_BLOCK_MS = 500  # how long an idle worker waits on the stream before checking for abandoned entries
RETRY_PAUSE_S = 2.0  # after the store refused a batch


@dataclass
class TagWorkerReport:
    consumer: str
    stored: int = 0  # documents the store took (and were acknowledged)
    tagged: int = 0
    claimed: int = 0  # entries taken over from a worker that stopped
    dead_letters: int = 0  # entries that were not documents
    store_failures: int = 0  # batches the store refused (left pending, retried)
    batch_failures: int = 0  # batches that raised anything else (left pending, retried, then dead letters)
    first_batch_at: float | None = None  # wall-clock time the first batch was read
    last_batch_at: float | None = None  # wall-clock time the last batch was acknowledged

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def rate(self) -> float:
        """Documents stored per second between the first batch read and the last acknowledged."""
        if (
            self.first_batch_at is None
            or self.last_batch_at is None
            or self.last_batch_at <= self.first_batch_at
        ):
            return 0.0
        return self.stored / (self.last_batch_at - self.first_batch_at)


def _decode(raw: dict[bytes, bytes]) -> TaggedDocument:
    payload = raw.get(FIELD.encode())
    if payload is None:
        raise ValueError(f"no {FIELD!r} field")
    record = json.loads(payload)
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    return TaggedDocument.from_dict(record)


class TagWorker:
    """One consumer of the document stream, writing through ``sink`` (its store, masker and tagger)."""

    def __init__(self, client: Any, options: FleetOptions, sink: StoreSink, consumer: str) -> None:
        self.redis = client
        self.sink = sink
        self.stream = stream_key(options)
        self.dead_letters = options.key("documents", "dead")
        self.batch = options.tag_batch
        self.claim_idle_ms = int(options.claim_idle * 1000)
        self.max_deliveries = options.max_deliveries
        self.report = TagWorkerReport(consumer)
        self._claim_from = "0-0"
        self._ensure_group()
        self.forget_stopped_consumers()

    @property
    def consumer(self) -> str:
        return self.report.consumer

    def _ensure_group(self) -> None:
        import redis

        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def forget_stopped_consumers(self) -> list[str]:
        """Drop from the group the consumers that hold nothing and were silent for ten times
        ``claim_idle`` (a running worker asks for entries every half second): each worker process is a
        new consumer, and the group would otherwise keep every one that ever ran. Their names."""
        forgotten = []
        for consumer in self.redis.xinfo_consumers(self.stream, GROUP):
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if (
                name != self.consumer
                and not consumer["pending"]
                and consumer["idle"] > 10 * self.claim_idle_ms
            ):
                self.redis.xgroup_delconsumer(self.stream, GROUP, name)
                forgotten.append(name)
        return forgotten

    def _claim(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Entries another consumer has held longer than ``claim_idle`` (scanning the pending list in turns)."""
        next_from, entries, *_ = self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, self.claim_idle_ms, start_id=self._claim_from, count=self.batch
        )
        self._claim_from = next_from.decode() if isinstance(next_from, bytes) else next_from
        entries = [(entry_id, fields) for entry_id, fields in entries if fields]  # deleted meanwhile: skip
        if not entries:
            return []
        self.report.claimed += len(entries)
        log.warning(
            "%s: took over %d document(s) left pending by a stopped worker", self.consumer, len(entries)
        )
        deliveries = self._deliveries([entry_id for entry_id, _ in entries])
        poisoned = [
            (entry_id, fields, f"delivered {deliveries[entry_id]} times without being stored")
            for entry_id, fields in entries
            if deliveries.get(entry_id, 0) > self.max_deliveries
        ]
        if poisoned:
            pipe = self.redis.pipeline(transaction=True)
            self._dead_letter(pipe, poisoned)
            pipe.execute()
            dropped = {entry_id for entry_id, _, _ in poisoned}
            entries = [(entry_id, fields) for entry_id, fields in entries if entry_id not in dropped]
        return entries

    def _deliveries(self, ids: list[bytes]) -> dict[bytes, int]:
        """How often each of these entries (now this consumer's) has been delivered."""
        pending = self.redis.xpending_range(
            self.stream, GROUP, min=min(ids), max=max(ids), count=len(ids), consumername=self.consumer
        )
        return {row["message_id"]: int(row["times_delivered"]) for row in pending}

    def _dead_letter(self, pipe: Any, entries: list[tuple[bytes, dict[bytes, bytes], str]]) -> None:
        """Move entries to the dead-letter stream with their reason, acknowledged and deleted (in ``pipe``)."""
        for entry_id, fields, reason in entries:
            pipe.xadd(self.dead_letters, {**fields, b"reason": reason.encode(), b"entry": entry_id})
            log.warning("%s: entry %s to the dead letters: %s", self.consumer, entry_id.decode(), reason)
        if entries:
            ids = [entry_id for entry_id, _, _ in entries]
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
        self.report.dead_letters += len(entries)

    def _read(self, block_ms: int) -> list[tuple[bytes, dict[bytes, bytes]]]:
        answer = self.redis.xreadgroup(
            GROUP, self.consumer, {self.stream: ">"}, count=self.batch, block=block_ms
        )
        return answer[0][1] if answer else []

    def next_batch(self, block_ms: int = READ_BLOCK_MS) -> list[tuple[bytes, dict[bytes, bytes]]]:
        return self._claim() or self._read(block_ms)

    def process(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> bool:
        """Tag and store one batch, then acknowledge it; ``False`` (nothing acknowledged) if the store was
        unavailable."""
        if self.report.first_batch_at is None:
            self.report.first_batch_at = time.time()
        ids, bad = [], []
        for entry_id, fields in entries:
            try:
                document = _decode(fields)
            except (TypeError, ValueError, KeyError) as exc:
                bad.append((entry_id, fields, f"not a document: {exc}"))
                continue
            self.sink.write(document)
            ids.append(entry_id)
        stored_before, tagged_before = self.sink.report.stored, self.sink.report.tagged
        try:
            self.sink.flush()
        except StoreUnavailable as exc:  # they stay pending in the stream and come back after claim_idle
            self.report.store_failures += 1
            log.warning(
                "%s: store unavailable, %d document(s) left pending: %s", self.consumer, len(ids), exc
            )
            return False
        pipe = self.redis.pipeline(transaction=True)
        self._dead_letter(pipe, bad)
        if ids:
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
        pipe.execute()
        self.report.stored += self.sink.report.stored - stored_before
        self.report.tagged += self.sink.report.tagged - tagged_before
        self.report.last_batch_at = time.time()
        return True

    def run(self, should_stop: Callable[[], bool], exit_when_idle: float | None = None) -> TagWorkerReport:
        """Work until ``should_stop()``, or until the stream has been empty for ``exit_when_idle`` seconds."""
        idle_since = time.monotonic()
        while not should_stop():
            entries = self.next_batch()
            if entries:
                try:
                    stored = self.process(entries)
                except (
                    Exception
                ):  # a bug on some document: the batch stays pending, retried, then dead-lettered
                    log.exception("%s: a batch of %d failed; left pending", self.consumer, len(entries))
                    self.report.batch_failures += 1
                    stored = False
                if not stored:
                    time.sleep(RETRY_PAUSE_S)
                idle_since = time.monotonic()
            elif (
                exit_when_idle is not None
                and time.monotonic() - idle_since >= exit_when_idle
                and not self.pending()
            ):
                break
        return self.report

    def pending(self) -> int:
        """Entries read by some worker of the group and not yet acknowledged."""
        return int(self.redis.xpending(self.stream, GROUP)["pending"])
