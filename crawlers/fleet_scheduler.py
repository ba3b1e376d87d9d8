"""The crawl fleet's scheduler: scrapy-redis's shared frontier and seen-set, plus what a fleet needs to
lose nothing when a worker dies.

- **Reliable pop.** A request moves from the source's queue to this worker's in-flight list in one Redis
  command (``LMOVE``), and leaves it only when Scrapy has finished with it: downloaded, parsed, its links
  queued and its document handed to the sink. A worker killed at any point leaves its pages in that list.
- **Recovery.** Every worker keeps a heartbeat key alive (``fleet.worker_timeout``); any worker that finds a
  registered worker without one moves that worker's in-flight list back to the queue, atomically.
- **Rounds.** The first worker of a crawl round queues the source's entry pages (listings, feeds, searches)
  and starts a fresh seen-set for the round; workers that join later take pages from the same queue. A
  round ends when the queue and every in-flight list are empty; then the workers exit, and the next
  ``riskwatch crawl --worker`` starts a new round. Article pages stored in earlier rounds are skipped by the
  shared crawl state (:mod:`crawlers.fleet_state`), not by the round's seen-set.

Keys, per source: ``<prefix>:crawl:<source>:requests`` (queue), ``...:dupefilter`` (the round's seen-set),
``...:round``, ``...:workers`` and ``...:inflight:<worker>``; per worker ``<prefix>:crawl:worker:<id>``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawlers.fleet_config import FleetOptions

logger = logging.getLogger(__name__)
SEEDING_TTL_MS = 60_000  # a worker that dies while queueing the entry pages frees the round after this

# Move a dead worker's in-flight requests back to the queue, unless its heartbeat is alive after all.
RECOVER = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local moved = 0
while redis.call('LMOVE', KEYS[2], KEYS[3], 'RIGHT', 'RIGHT') do moved = moved + 1 end
redis.call('SREM', KEYS[4], ARGV[1])
return moved
"""

# End the round when the queue and every registered worker's in-flight list are empty.
END_ROUND = """
if redis.call('GET', KEYS[1]) ~= 'active' then return 0 end
for i = 3, #KEYS do
  if redis.call('LLEN', KEYS[i]) > 0 then return 0 end
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""


class FleetScheduler(Scheduler):
    """One source's share of the fleet's frontier (``SCHEDULER`` in fleet mode; see :mod:`crawlers.settings`)."""

    tick_seconds = 0.5

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetScheduler:
        scheduler: FleetScheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.options = crawler.settings["RISKWATCH_FLEET"]
        scheduler.worker_id = crawler.settings["RISKWATCH_WORKER_ID"]
        return scheduler

    crawler: Any
    options: FleetOptions
    worker_id: str

    def _key(self, *parts: str) -> str:
        return self.options.key("crawl", *parts)

    def open(self, spider: Any) -> None:
        super().open(spider)
        source = spider.name
        self.round_key = self._key(source, "round")
        self.workers_key = self._key(source, "workers")
        self.inflight_key = self._key(source, "inflight", self.worker_id)
        self.heartbeat_key = self._key("worker", self.worker_id)
        self._inflight: list[tuple[Request, bytes]] = []
        self._recover = self.server.register_script(RECOVER)
        self._end_round = self.server.register_script(END_ROUND)
        self._beat()
        self.server.sadd(self.workers_key, self.worker_id)
        self._recover_dead()
        self.seeder = bool(self.server.set(self.round_key, "seeding", nx=True, px=SEEDING_TTL_MS))
        if self.seeder:
            self.df.clear()  # a new round: every page may be fetched once more
            seeded = sum(self.enqueue_request(request) for request in spider.entry_requests())
            self.server.set(self.round_key, "active", xx=True)
            logger.info(
                "[%s] worker %s started a crawl round: %d entry page(s)", source, self.worker_id, seeded
            )
        else:
            logger.info("[%s] worker %s joined the running crawl round", source, self.worker_id)
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(self.tick_seconds, now=False)

    def close(self, reason: str) -> None:
        if self._ticker.running:
            self._ticker.stop()
        self._release_done()
        # Whatever is still ours was not finished (a shutdown): back to the queue for the others.
        while self.server.lmove(self.inflight_key, self.queue.key, "RIGHT", "RIGHT"):
            pass
        self.server.srem(self.workers_key, self.worker_id)
        self._try_end_round()

    def next_request(self) -> Request | None:
        raw = self.server.lmove(self.queue.key, self.inflight_key, "RIGHT", "LEFT")
        if raw is None:
            return None
        request = self.queue._decode_request(raw)
        self._inflight.append((request, raw))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def has_pending_requests(self) -> bool:
        """While the round runs, a worker with an empty queue waits for the pages others will find."""
        return bool(self.server.llen(self.queue.key) or self.server.exists(self.round_key))

    # -- the worker's heartbeat tick ------------------------------------------------------------------

    def _beat(self) -> None:
        self.server.set(self.heartbeat_key, "alive", px=int(self.options.worker_timeout * 1000))

    def _tick(self) -> None:
        try:
            self._beat()
            self._release_done()
            self._recover_dead()
            self._try_end_round()
        except Exception:  # a Redis hiccup must not stop the heartbeat for good
            logger.exception("fleet heartbeat failed; retrying")

    def _release_done(self) -> None:
        """Drop from the in-flight list every request Scrapy has finished with."""
        # The engine keeps a request in its slot until the callback's output (items through the pipelines,
        # new requests into this scheduler) is processed; Scrapy sends no signal for that moment, so the
        # slot is read here (scrapy is pinned below 3).
        in_progress = self.crawler.engine._slot.inprogress if self.crawler.engine._slot else set()
        done = [(request, raw) for request, raw in self._inflight if request not in in_progress]
        if not done:
            return
        finished = {id(request) for request, _ in done}
        self._inflight = [(r, raw) for r, raw in self._inflight if id(r) not in finished]
        pipe = self.server.pipeline(transaction=False)
        for _, raw in done:
            pipe.lrem(self.inflight_key, 1, raw)
        pipe.execute()

    def _recover_dead(self) -> None:
        for member in self.server.smembers(self.workers_key):
            worker = member.decode()
            if worker == self.worker_id:
                continue
            keys = [
                self._key("worker", worker),
                self._key(self.spider.name, "inflight", worker),
                self.queue.key,
                self.workers_key,
            ]
            moved = self._recover(keys=keys, args=[worker])
            if moved > 0:
                logger.warning(
                    "[%s] worker %s stopped answering: %d page(s) it held are queued again",
                    self.spider.name,
                    worker,
                    moved,
                )
                if self.stats:
                    self.stats.inc_value("riskwatch/fleet_recovered", moved, spider=self.spider)

    def _try_end_round(self) -> None:
        workers = [member.decode() for member in self.server.smembers(self.workers_key)]
        inflight = [self._key(self.spider.name, "inflight", worker) for worker in {*workers, self.worker_id}]
        if self._end_round(keys=[self.round_key, self.df.key, *inflight]):
            logger.info("[%s] crawl round finished", self.spider.name)
