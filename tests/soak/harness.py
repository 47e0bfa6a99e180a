"""The soak run: traffic through the whole region while nodes, the server and the database fail, then the count.

A seeded plan places the faults at random moments of the traffic phase:

- node kills (SIGKILL), each at one of four moments: just after the node logged a message sent, just after it
  logged one received, at a random moment, or while idle (after the traffic, before the end); the node is
  started again after a short random pause;
- server kills (SIGKILL of the local message server), started again on the same port;
- database outages: on PostgreSQL the proxy refuses or black-holes the connections for a few seconds; on SQLite
  another process holds the write lock longer than the statement (busy) timeout.

Then the region runs until it is quiet (every message answered, every outbox empty; bounded in time), the nodes
are stopped with SIGTERM, and the databases are counted (:func:`count`). Every loop has a bound.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.soak.region import STOP_WAIT, SoakNode, SoakRegion, start_region, wait_until

TICK = 0.05
TRIGGER_WAIT = 8.0
"""How long a kill 'after sending' or 'after receiving' waits for its moment before it kills anyway."""
KILL_MOMENTS = ("after_sent", "after_received", "random", "idle")
FAULT_GRACE = timedelta(seconds=12)
"""After a fault ends, passes may still fail this long (a connection timing out, the pool reconnecting)."""


@dataclass(frozen=True)
class Plan:
    store: str = "sqlite"
    messages: int = 300
    node_kills: int = 16
    server_kills: int = 3
    outages: tuple[str, ...] = ("refuse", "blackhole")
    """Database outages, by kind (on SQLite every outage is a held lock, whatever its kind)."""
    traffic_seconds: float = 60.0
    quiet_timeout: float = 300.0
    seed: int = 1

    @staticmethod
    def short(store: str, seed: int = 1) -> Plan:
        return Plan(store=store, messages=50, node_kills=5, server_kills=1, outages=("blackhole",),
                    traffic_seconds=12.0, quiet_timeout=150.0, seed=seed)


@dataclass
class Figures:
    store: str
    seed: int
    messages: int
    node_kills: int = 0
    kill_moments: dict[str, int] = field(default_factory=dict)
    server_kills: int = 0
    outages: list[str] = field(default_factory=list)
    lost: int = 0
    stored_twice: int = 0
    apprecs_made_twice: int = 0
    apprecs_not_back: int = 0
    outbox_stuck: int = 0
    passes_failed: int = 0
    """Passes that failed outside the faults (and their grace): each is a fault of the product."""
    passes_failed_during_faults: int = 0
    rejected: int = 0
    not_accepted: int = 0
    unclean_stops: int = 0
    node_exits: int = 0
    """Times a node process ended by itself (at start with the database away, say) and was started again, as a
    service manager would."""
    quiet: bool = False
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.quiet and not (self.lost or self.stored_twice or self.apprecs_made_twice or self.apprecs_not_back
                                   or self.outbox_stuck or self.passes_failed or self.rejected or self.not_accepted
                                   or self.unclean_stops)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(order=True)
class _Event:
    at: float
    kind: str = field(compare=False)
    detail: str = field(compare=False, default="")


class _Run:
    def __init__(self, plan: Plan, region: SoakRegion) -> None:
        self.plan = plan
        self.region = region
        self.rng = random.Random(plan.seed)
        self.sent: dict[str, tuple[SoakNode, SoakNode]] = {}
        self.figures = Figures(store=plan.store, seed=plan.seed, messages=plan.messages)
        self.fault_windows: list[tuple[datetime, datetime]] = []
        self._lock_holders: list[sqlite3.Connection] = []
        self.idle_kills = 0

    # --- the plan ------------------------------------------------------------------------------------

    def schedule(self) -> list[_Event]:
        span = self.plan.traffic_seconds
        events = []
        moments = [KILL_MOMENTS[i % len(KILL_MOMENTS)] for i in range(self.plan.node_kills)]
        self.rng.shuffle(moments)
        for moment in moments:
            if moment != "idle":
                events.append(_Event(self.rng.uniform(0.5, span), "node_kill", moment))
        for _ in range(self.plan.server_kills):
            events.append(_Event(self.rng.uniform(1.0, span), "server_kill"))
        for kind in self.plan.outages:
            events.append(_Event(self.rng.uniform(1.0, span), "outage", kind))
        self.idle_kills = moments.count("idle")
        return sorted(events)

    # --- traffic ------------------------------------------------------------------------------------

    def submit(self, index: int) -> None:
        sender, receiver = ((self.region.hospital, self.region.municipality) if index % 2 == 0
                            else (self.region.municipality, self.region.hospital))
        msg_id = sender.submit(receiver.her_id, f"Notat nummer {index} i utholdenhetsprøven")
        self.sent[msg_id] = (sender, receiver)

    # --- faults -------------------------------------------------------------------------------------

    def kill_node(self, node: SoakNode, moment: str) -> None:
        if moment in ("after_sent", "after_received"):
            wanted = "sent" if moment == "after_sent" else "received"
            node.new_events()
            deadline = time.monotonic() + TRIGGER_WAIT
            while time.monotonic() < deadline and node.running:
                if any(e.get("event") == wanted for e in node.new_events()):
                    break
                time.sleep(0.01)
            else:
                moment = "random"  # the moment did not come: killed where it was
        node.kill()
        self.figures.node_kills += 1
        self.figures.kill_moments[moment] = self.figures.kill_moments.get(moment, 0) + 1

    def outage_begin(self, kind: str) -> str:
        if self.region.proxy is not None:
            self.region.proxy.set_mode(kind)
            return kind
        # SQLite: another writer holds the lock of both nodes' databases longer than their busy timeout.
        holders = []
        for node in self.region.nodes:
            database = node.direct_url.removeprefix("sqlite:///")
            holder = sqlite3.connect(database, isolation_level=None, timeout=30)
            holder.execute("BEGIN IMMEDIATE")
            holders.append(holder)
        self._lock_holders = holders
        return "locked"

    def outage_end(self) -> None:
        if self.region.proxy is not None:
            self.region.proxy.set_mode("forward")
            return
        for holder in self._lock_holders:
            holder.rollback()
            holder.close()
        self._lock_holders = []

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> Figures:
        self.started = started = time.monotonic()
        for node in self.region.nodes:
            node.start()
        events = self.schedule()
        restarts: list[tuple[float, str]] = []  # (at, what): nodes and the server come back after a pause
        outage_ends: list[tuple[float, datetime]] = []
        submitted = 0
        span = self.plan.traffic_seconds
        node_down: dict[str, float] = {}
        server_down_since: datetime | None = None
        max_ticks = int((span + 120) / TICK)
        for _ in range(max_ticks):  # the traffic phase, bounded
            now = time.monotonic() - started
            self.supervise(set(node_down))
            due = min(self.plan.messages, int(self.plan.messages * min(1.0, now / (span * 0.8))) + 1)
            locked = bool(outage_ends) and self.region.proxy is None  # the harness would wait for its own lock
            while submitted < due and not locked:
                self.submit(submitted)
                submitted += 1
            while events and events[0].at <= now:
                event = events.pop(0)
                if not self.fire(event, now, node_down, restarts, outage_ends, server_down_since):
                    event.at = now + 0.3  # its target is down already: a little later
                    events.append(event)
                    events.sort()
                elif event.kind == "server_kill":
                    server_down_since = datetime.now(UTC)
            for at, what in sorted(restarts):
                if at > now:
                    continue
                restarts.remove((at, what))
                if what == "server":
                    self.region.start_server()
                    assert server_down_since is not None
                    self.fault_windows.append((server_down_since, datetime.now(UTC) + FAULT_GRACE))
                    server_down_since = None
                else:
                    node = next(n for n in self.region.nodes if n.name == what)
                    node.start()
                    del node_down[what]
            if outage_ends and outage_ends[0][0] <= now:
                _, began = outage_ends.pop(0)
                self.outage_end()
                self.fault_windows.append((began, datetime.now(UTC) + FAULT_GRACE))
            if submitted >= self.plan.messages and not events and not restarts and not outage_ends and now > span:
                break
            time.sleep(TICK)
        self.figures.quiet = self.wait_quiet()
        for _ in range(self.idle_kills):  # kills while idle, then quiet again
            node = self.rng.choice(self.region.nodes)
            self.kill_node(node, "idle")
            time.sleep(self.rng.uniform(0.1, 1.0))
            node.start()
        if self.idle_kills:
            wait_until(lambda: all(n.announced() for n in self.region.nodes), STOP_WAIT, step=0.05)
            time.sleep(2.0)  # some passes of the restarted nodes, once they run
            self.figures.quiet = self.figures.quiet and self.wait_quiet()
        for node in self.region.nodes:
            code = node.stop()
            self.figures.unclean_stops += code != 0
        self.count()
        self.figures.seconds = round(time.monotonic() - started, 1)
        return self.figures

    def fire(self, event: _Event, now: float, node_down: dict[str, float], restarts: list[tuple[float, str]],
             outage_ends: list[tuple[float, datetime]], server_down_since: datetime | None) -> bool:
        """Start the fault ``event``; False when what it needs is down already (then it comes a little later)."""
        if event.kind == "node_kill":
            up = [n for n in self.region.nodes if n.name not in node_down and n.running]
            if not up:
                return False
            node = self.rng.choice(up)
            self.kill_node(node, event.detail)
            node_down[node.name] = now
            restarts.append((time.monotonic() - self.started + self.rng.uniform(0.1, 1.5), node.name))
            return True
        if event.kind == "server_kill":
            if server_down_since is not None:
                return False
            self.region.kill_server()
            self.figures.server_kills += 1
            restarts.append((now + self.rng.uniform(0.2, 2.0), "server"))
            return True
        if outage_ends:
            return False
        self.figures.outages.append(self.outage_begin(event.detail))
        outage_ends.append((now + self.rng.uniform(3.0, 6.0), datetime.now(UTC)))
        return True

    def supervise(self, down: set[str]) -> None:
        """Start again a node that ended by itself (not one this run killed and has yet to restart)."""
        for node in self.region.nodes:
            if node.name not in down and node.process is not None and not node.running:
                self.figures.node_exits += 1
                node.start()

    def wait_quiet(self) -> bool:
        return wait_until(lambda: self.supervise(set()) or self.is_quiet(), self.plan.quiet_timeout, step=0.5)

    # --- the count ----------------------------------------------------------------------------------

    def is_quiet(self) -> bool:
        for node in self.region.nodes:
            with node.engine().connect() as connection:
                if connection.execute(text("SELECT count(*) FROM outbox WHERE done_at IS NULL")).scalar_one():
                    return False
                waiting = connection.execute(text(
                    "SELECT count(*) FROM messages WHERE direction = 'outgoing' AND NOT is_apprec "
                    "AND state NOT IN ('receipt_ok', 'receipt_rejected')")).scalar_one()
                if waiting:
                    return False
        return sum(self._incoming_count(n) for n in self.region.nodes) >= len(self.sent)

    @staticmethod
    def _incoming_count(node: SoakNode) -> int:
        with node.engine().connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM messages WHERE direction = 'incoming' AND NOT is_apprec")).scalar_one())

    def count(self) -> None:
        f = self.figures
        incoming: dict[str, Counter[str]] = {}
        states: dict[str, dict[str, str]] = {}
        for node in self.region.nodes:
            with node.engine().connect() as connection:
                rows = connection.execute(text(
                    "SELECT msg_id, state, is_apprec, direction, original_msg_id FROM messages")).all()
                f.outbox_stuck += int(connection.execute(text(
                    "SELECT count(*) FROM outbox WHERE done_at IS NULL")).scalar_one())
            incoming[node.name] = Counter(r.msg_id for r in rows if r.direction == "incoming" and not r.is_apprec)
            states[node.name] = {r.msg_id: r.state for r in rows if r.direction == "outgoing" and not r.is_apprec}
            made = Counter(r.original_msg_id for r in rows if r.direction == "outgoing" and r.is_apprec)
            got = Counter(r.original_msg_id for r in rows if r.direction == "incoming" and r.is_apprec)
            f.apprecs_made_twice += sum(n - 1 for n in made.values() if n > 1)
            f.apprecs_made_twice += sum(n - 1 for n in got.values() if n > 1)
            f.stored_twice += sum(n - 1 for n in incoming[node.name].values() if n > 1)
            f.not_accepted += sum(1 for r in rows if r.direction == "incoming" and not r.is_apprec
                                  and r.state != "accepted")
        for msg_id, (sender, receiver) in self.sent.items():
            f.lost += msg_id not in incoming[receiver.name]
            state = states[sender.name].get(msg_id)
            f.apprecs_not_back += state not in ("receipt_ok", "receipt_rejected")
            f.rejected += state == "receipt_rejected"
        for node in self.region.nodes:
            for event in node.events():
                if event.get("event") != "pass failed":
                    continue
                at = datetime.fromisoformat(str(event["time"]))
                if any(begin <= at <= end for begin, end in self.fault_windows):
                    f.passes_failed_during_faults += 1
                else:
                    f.passes_failed += 1


def run_soak(plan: Plan, root: Path, databases: dict[str, str] | None = None) -> Figures:
    """Run ``plan`` in ``root`` (on the PostgreSQL ``databases``, one per node, or SQLite files)."""
    region = start_region(root, databases)
    try:
        return _Run(plan, region).run()
    finally:
        region.close()
