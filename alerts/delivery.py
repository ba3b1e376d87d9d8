"""Sending what the outbox holds: per channel, within its rate limit, digesting what the limit would delay.

For each channel with due rows: if the channel's budget (``rate_limit.messages`` minus what it sent in the
last ``rate_limit.per``) covers them, each is sent on its own; otherwise the first ``budget - 1`` go alone and
the rest are merged into one digest that takes the last slot. With no budget left nothing is sent now; the
rows wait for the next run. Every failure is recorded on its row with the reason and retried later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alerts.content import render
from alerts.errors import DeliveryError
from alerts.notifiers import NOTIFIERS, ChannelOptions, Notifier
from alerts.outbox import Delivery, Outbox

log = logging.getLogger(__name__)
NotifierFactory = Callable[[str, ChannelOptions], Notifier]


@dataclass
class DeliveryReport:
    sent: int = 0  # messages that reached a channel (a digest counts once)
    notices_sent: int = 0  # notices in them
    failed: list[tuple[str, int, str]] = field(default_factory=list)  # (channel, delivery id, reason)
    digests: int = 0
    throttled: int = 0  # rows left queued because a channel's budget was spent

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.notices_sent += other.notices_sent
        self.failed += other.failed
        self.digests += other.digests
        self.throttled += other.throttled


def build_notifier(name: str, options: ChannelOptions) -> Notifier:
    return NOTIFIERS[options.type](name, options)


class Deliverer:
    """Sends due outbox rows through the configured channels."""

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, ChannelOptions],
        factory: NotifierFactory = build_notifier,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.outbox = outbox
        self.channels = channels
        self.factory = factory
        self.clock = clock

    def run(self) -> DeliveryReport:
        report = DeliveryReport()
        now = self.clock()
        for channel, rows in self.outbox.due(now).items():
            report.merge(self._channel(channel, rows, now))
        return report

    def _budget(self, notifier: Notifier, channel: str, now: datetime) -> int | None:
        limit = notifier.rate_limit
        if limit is None:
            return None
        return max(limit.messages - self.outbox.sent_since(channel, now - limit.per), 0)

    def _channel(self, channel: str, rows: list[Delivery], now: datetime) -> DeliveryReport:
        report = DeliveryReport()
        options = self.channels.get(channel)
        if options is None:
            reason = f"channel {channel!r} is not configured any more"
            for row in rows:
                if self.outbox.claim(row, now):
                    self.outbox.mark_failed(row, now, reason, final=True)
                    report.failed.append((channel, row.id, reason))
            return report
        notifier = self.factory(channel, options)
        try:
            budget = self._budget(notifier, channel, now)
            if budget is not None and len(rows) > budget:
                if budget == 0:
                    report.throttled += len(rows)
                    return report
                digest = self.outbox.merge(channel, rows[budget - 1 :], now)
                rows = rows[: budget - 1] + ([digest] if digest else [])
                report.digests += 1 if digest else 0
            for row in rows:
                self._send(notifier, row, now, report)
        finally:
            notifier.close()
        return report

    def _send(self, notifier: Notifier, row: Delivery, now: datetime, report: DeliveryReport) -> None:
        if not self.outbox.claim(row, now):
            return  # another process took it
        notices = self.outbox.notices_of(row)
        try:
            notifier.send(render(notices))
        except DeliveryError as exc:
            status = self.outbox.mark_failed(row, now, exc.reason)
            report.failed.append((row.channel, row.id, exc.reason))
            log.warning("channel %s: delivery %d failed (%s); %s", row.channel, row.id, exc.reason, status)
            return
        except Exception as exc:  # a channel bug must not stop the others; the row is retried
            reason = f"{type(exc).__name__}: {exc}"
            self.outbox.mark_failed(row, now, reason)
            report.failed.append((row.channel, row.id, reason))
            log.exception("channel %s: delivery %d raised", row.channel, row.id)
            return
        self.outbox.mark_sent(row, now)
        report.sent += 1
        report.notices_sent += len(notices)


def deliver_due(
    outbox: Outbox,
    channels: Mapping[str, ChannelOptions],
    now: datetime | None = None,
    factory: NotifierFactory = build_notifier,
) -> DeliveryReport:
    """Send everything due at ``now`` (default: the clock)."""
    clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    return Deliverer(outbox, channels, factory, clock).run()
