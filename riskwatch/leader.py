"""One leader among ``riskwatch run`` services: a Redis lock with a lease (README "Running at scale").

The leader holds ``<prefix>:service:leader`` (``SET NX PX``) and renews it every third of
``fleet.leader_lease``; only the leader's scheduler runs jobs. A standby tries to take the key at the same
pace, so when a leader dies the lease runs out and a standby leads within one lease plus one try, and runs
at once the jobs that fell due meanwhile (the schedule is shared, misfires coalesce). Every job also checks
the key before it starts (:func:`still_leading`), so a leader that lost its lease while paused (a long GC,
a frozen VM) does not run a job beside its successor.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("riskwatch.service")

# Renew only our own lease; release only our own lease.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaderLease:
    """This process's claim to lead: :meth:`tick` takes or renews it; callbacks say when it changes."""

    def __init__(self, client: Any, key: str, lease_seconds: float) -> None:
        self.redis = client
        self.key = key
        self.holder = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_ms = int(lease_seconds * 1000)
        self.leading = False
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    def tick(self) -> bool:
        """Take the lease if it is free, renew it if it is ours; whether we lead now."""
        if self.leading:
            self.leading = bool(self._renew(keys=[self.key], args=[self.holder, self.lease_ms]))
        else:
            self.leading = bool(self.redis.set(self.key, self.holder, nx=True, px=self.lease_ms))
        return self.leading

    def still_ours(self) -> bool:
        """Asked of Redis, not of memory: the check a job makes before it starts."""
        current = self.redis.get(self.key)
        return current is not None and current.decode() == self.holder

    def release(self) -> None:
        if self.leading:
            self._release(keys=[self.key], args=[self.holder])
            self.leading = False


_current: LeaderLease | None = None  # the service's lease, when it runs with a fleet


def still_leading() -> bool:
    """Whether this process may run a scheduled job: always without a fleet; with one, while it leads."""
    if _current is None:
        return True
    try:
        return _current.still_ours()
    except Exception as exc:  # Redis unreachable: we cannot know, so we must not act
        log.warning("leader check failed, job skipped: %s", exc)
        return False


def run_lease(
    lease: LeaderLease, stop: threading.Event, on_lead: Callable[[], None], on_lose: Callable[[], None]
) -> None:
    """Keep the lease until ``stop``: take or renew it every third of the lease, calling ``on_lead`` and
    ``on_lose`` as leadership changes. Runs in the service's main thread."""
    global _current
    _current = lease
    interval = lease.lease_ms / 3000
    try:
        while not stop.is_set():
            was = lease.leading
            try:
                now = lease.tick()
            except Exception as exc:  # Redis unreachable: a leader that cannot renew must stop leading
                log.warning("leader lease: %s", exc)
                lease.leading = now = False
            if now and not was:
                log.info("leader: %s now runs the jobs", lease.holder)
                on_lead()
            elif was and not now:
                log.warning("leader: %s lost the lease; standing by", lease.holder)
                on_lose()
            stop.wait(interval)
    finally:
        if lease.leading:
            on_lose()
        try:
            lease.release()
        except Exception as exc:
            log.warning("leader lease not released (it runs out by itself): %s", exc)
        _current = None
