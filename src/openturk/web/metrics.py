"""Prometheus metrics: requests by front end, operation and status; latency per operation; the
database pool; the process.

One process (`serve`): the metrics live in this app's own registry, and `/metrics` renders it.

Several processes (`serve --workers N`): the supervisor creates an empty directory for the run and
hands it to every process as PROMETHEUS_MULTIPROC_DIR. prometheus_client then keeps each process's
values in memory-mapped files there, and whichever process answers a scrape sums the files of all
of them (prometheus_client's multiprocess mode). Gauges are sampled every SAMPLE_SECONDS by each
process (and by the answering process at the scrape): pool gauges are summed over the live
processes, process gauges carry a `pid` label. See docs/deploy.md#metrics.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector

from .. import __version__

log = logging.getLogger("openturk")
CONTENT_TYPE = CONTENT_TYPE_LATEST
SAMPLE_SECONDS = 5.0
# Seconds. The JSON API answers in about a millisecond; a SQLite writer may wait up to 30 s for a lock.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
POOL_STATS = ("size", "checked_out", "checked_in", "overflow")
PROCESS_STATS = {"process_resident_memory_bytes": "resident_memory_bytes",
                 "process_cpu_seconds": "cpu_seconds", "process_open_fds": "open_fds",
                 "process_start_time_seconds": "start_time_seconds"}


class Metrics:
    def __init__(self, multiprocess_dir: str | None = None):
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("openturk_requests", "HTTP requests answered, by front end, operation "
                                "(or route) and HTTP status.", ("front_end", "operation", "status"), registry=r)
        self.latency = Histogram("openturk_request_duration_seconds", "Time from the start of a request to "
                                 "its response, by front end and operation (or route).",
                                 ("front_end", "operation"), buckets=LATENCY_BUCKETS, registry=r)
        self.pool = {stat: Gauge(f"openturk_db_pool_{stat}", "Database connection pool (SQLAlchemy QueuePool): "
                                 f"{stat.replace('_', ' ')}, summed over the server processes.",
                                 registry=r, multiprocess_mode="livesum") for stat in POOL_STATS}
        self.process = {name: Gauge(f"openturk_{name}", f"{name.replace('_', ' ')} of the server process "
                                    "(per process: a pid label with --workers N).",
                                    registry=r, multiprocess_mode="all") for name in PROCESS_STATS.values()}
        info = Gauge("openturk_info", "Always 1; the labels describe this openturk.", ("version",),
                     registry=r, multiprocess_mode="max")
        info.labels(__version__).set(1)
        # The deployment's outbox (read from the database at each scrape: the same in every process).
        self.notifications = Gauge("openturk_notifications", "Notification events in the outbox, by state: sent "
                                   "(delivered), pending (waiting to be sent, failing included), failing (pending "
                                   "after a failed attempt; its last error is in `openturk notifications list`).",
                                   ("state",), registry=r, multiprocess_mode="max")
        self._process_collector = ProcessCollector(registry=None)
        # Label children cached by key: .labels() costs more than the increment it leads to.
        self._counters: dict = {}
        self._histograms: dict = {}
        self._engine = None

    def watch_pool(self, engine) -> None:
        self._engine = engine

    def observe(self, front_end: str, operation: str, status: int, seconds: float) -> None:
        key = (front_end, operation, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.requests.labels(front_end, operation, str(status))
        counter.inc()
        key = (front_end, operation)
        histogram = self._histograms.get(key)
        if histogram is None:
            histogram = self._histograms[key] = self.latency.labels(front_end, operation)
        histogram.observe(seconds)

    def sample(self) -> None:
        """Set the gauges: the pool's counts and this process's memory, CPU and file descriptors."""
        pool = getattr(self._engine, "pool", None)
        if pool is not None and hasattr(pool, "checkedout"):
            # QueuePool.overflow() counts from -size (no connection opened yet): only positive is overflow.
            values = {"size": pool.size(), "checked_out": pool.checkedout(), "checked_in": pool.checkedin(),
                      "overflow": max(pool.overflow(), 0)}
            for stat, value in values.items():
                self.pool[stat].set(value)
        for family in self._process_collector.collect():   # reads /proc/self (nothing elsewhere)
            name = PROCESS_STATS.get(family.name.removesuffix("_total"))
            if name is not None and family.samples:
                self.process[name].set(family.samples[0].value)

    async def sample_forever(self) -> None:
        """With several processes, each keeps its gauges fresh for whichever process answers a scrape."""
        while True:
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("sampling metrics failed")
            await asyncio.sleep(SAMPLE_SECONDS)

    def set_notifications(self, counts: dict[str, int]) -> None:
        for state, value in counts.items():
            self.notifications.labels(state).set(value)

    def render(self) -> bytes:
        self.sample()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)
        return generate_latest(registry)
