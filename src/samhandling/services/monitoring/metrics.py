"""Prometheus metrics of the node, built from the store on every scrape (prometheus-client).

- ``samhandling_messages{direction,state,type,partner}``: stored messages (``type`` is ``APPREC`` for receipts;
  ``partner`` the partner organisation's HER-id, empty when unknown);
- ``samhandling_apprec_latency_seconds``: histogram of the time from creating a message to its AppRec, over
  every sent message that has one;
- ``samhandling_open_alerts{cause,severity,partner}`` and ``samhandling_unsent_mails``;
- ``samhandling_outbox_items``: what waits for the transport;
- ``samhandling_transport_last_success_timestamp_seconds{kind}`` and
  ``samhandling_transport_consecutive_failures{kind}`` for sends and polls;
- ``samhandling_line_test_ok{her_id,partner}`` and ``samhandling_line_test_round_trip_seconds{her_id,partner}``
  for the latest finished line test per HER-id;
- ``samhandling_store_up``: 0 when the store could not be read (the other metrics are then missing).

The node serves them at ``/metrics`` when ``SAMHANDLING_METRICS_PORT`` is set (:func:`serve_metrics`). No label
holds patient data: only states, types, causes and HER-ids.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from samhandling.services.monitoring.monitor import partner_resolver
from samhandling.store.monitoring.values import AttemptKind
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 4 * 3600.0, 24 * 3600.0, 96 * 3600.0)
"""Upper bounds (seconds) of the AppRec latency histogram: seconds for a line up, hours for a partner behind."""


class StoreCollector(Collector):
    """Reads the store on each ``collect``; one unit of work per scrape."""

    def __init__(self, new_uow: Callable[[], UnitOfWork]) -> None:
        self.new_uow = new_uow

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("samhandling_store_up", "Whether the store could be read for these metrics.")
        try:
            metrics = self._read()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics not read", extra={"error": type(exc).__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _read(self) -> list[Metric]:
        with self.new_uow() as uow:
            parties = uow.parties.all()
            counts = uow.monitor.message_counts()
            latencies = sorted(uow.monitor.receipt_latencies())
            alerts = uow.monitor.open_alerts()
            unsent = len(uow.monitor.unsent_mails(limit=100_000))
            queued = uow.monitor.outbox_size()
            attempts = {kind: uow.monitor.attempts(kind, limit=200) for kind in AttemptKind}
            tests = uow.monitor.line_tests(pending=False, limit=1000)
        partner_of = partner_resolver(parties)

        messages = GaugeMetricFamily("samhandling_messages", "Stored messages by direction, state, type and partner.",
                                     labels=["direction", "state", "type", "partner"])
        totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
        for c in counts:
            partner = (partner_of(c.counterpart_her_id) if c.counterpart_her_id else None) or ""
            totals[(c.direction.value, c.state.value, "APPREC" if c.is_apprec else c.msg_type, partner)] += c.count
        for labels, value in sorted(totals.items()):
            messages.add_metric(list(labels), value)

        buckets = [(_bound(b), bisect.bisect_right(latencies, b)) for b in LATENCY_BUCKETS]
        latency = HistogramMetricFamily(
            "samhandling_apprec_latency_seconds", "Time from creating a sent message to its application receipt.",
            buckets=[*buckets, ("+Inf", len(latencies))], sum_value=sum(latencies))

        open_alerts = GaugeMetricFamily("samhandling_open_alerts", "Open (and acknowledged) alerts.",
                                        labels=["cause", "severity", "partner"])
        by_key: dict[tuple[str, str, str], int] = defaultdict(int)
        for alert in alerts:
            by_key[(alert.cause.value, alert.severity.value, alert.partner_her_id or "")] += 1
        for labels_, value in sorted(by_key.items()):
            open_alerts.add_metric(list(labels_), value)

        mails = GaugeMetricFamily("samhandling_unsent_mails", "Monitoring mails not yet taken by the SMTP server.",
                                  value=unsent)
        outbox = GaugeMetricFamily("samhandling_outbox_items", "Items waiting in the outbox.", value=queued)

        success = GaugeMetricFamily("samhandling_transport_last_success_timestamp_seconds",
                                    "When the transport last worked, per kind of attempt.", labels=["kind"])
        failures = GaugeMetricFamily("samhandling_transport_consecutive_failures",
                                     "Failed attempts since the transport last worked, per kind.", labels=["kind"])
        for kind, found in attempts.items():
            streak = 0
            for attempt in found:  # newest first
                if attempt.ok:
                    success.add_metric([kind.value], attempt.at.timestamp())
                    break
                streak += 1
            failures.add_metric([kind.value], streak)

        line_ok = GaugeMetricFamily("samhandling_line_test_ok", "Whether the latest line test got an AppRec.",
                                    labels=["her_id", "partner"])
        trip = GaugeMetricFamily("samhandling_line_test_round_trip_seconds", "Round trip of the latest line test.",
                                 labels=["her_id", "partner"])
        seen: set[str] = set()
        for test in tests:  # newest first
            if test.her_id in seen:
                continue
            seen.add(test.her_id)
            line_ok.add_metric([test.her_id, test.partner_her_id], 1 if test.ok else 0)
            if test.round_trip is not None:
                trip.add_metric([test.her_id, test.partner_her_id], test.round_trip.total_seconds())
        return [messages, latency, open_alerts, mails, outbox, success, failures, line_ok, trip]


def _bound(value: float) -> str:
    return f"{value:g}" if value < 1e6 else repr(value)


def metrics_registry(new_uow: Callable[[], UnitOfWork]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(new_uow))
    return registry


def render_metrics(new_uow: Callable[[], UnitOfWork]) -> bytes:
    """The metrics as Prometheus text, as ``/metrics`` serves them."""
    return generate_latest(metrics_registry(new_uow))


def serve_metrics(new_uow: Callable[[], UnitOfWork], *, host: str = "127.0.0.1", port: int = 0
                  ) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``/metrics`` on ``host:port`` (0: a free port, see ``server.server_port``) in a daemon thread.
    ``server.shutdown()`` stops it."""
    server, thread = start_http_server(port, addr=host, registry=metrics_registry(new_uow))
    log.info("metrics listening", extra={"host": host, "port": server.server_port})
    return server, thread
