"""The short soak run, one per store: the local message server and two nodes as real processes, about 50 messages,
5 node kills (after sending, after receiving, at random, while idle), a server kill and a database outage; then
nothing is lost, nothing stored or answered twice, nothing stuck, no pass failed outside the faults, and every
AppRec is back. The long form is ``make soak``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.soak.harness import Plan, run_soak
from tests.support.stores import create_database, drop_database

pytestmark = [pytest.mark.soak, pytest.mark.process]


def assert_clean(figures_dict: dict[str, object], plan: Plan) -> None:
    zero = ("lost", "stored_twice", "apprecs_made_twice", "apprecs_not_back", "outbox_stuck", "passes_failed",
            "rejected", "not_accepted", "unclean_stops")
    assert {k: figures_dict[k] for k in zero} == dict.fromkeys(zero, 0), figures_dict
    assert figures_dict["quiet"] is True, figures_dict
    assert figures_dict["node_kills"] == plan.node_kills and figures_dict["server_kills"] == plan.server_kills
    assert len(figures_dict["outages"]) == len(plan.outages)  # type: ignore[arg-type]


def test_the_region_survives_kills_and_an_outage_on_sqlite(tmp_path: Path) -> None:
    plan = Plan.short("sqlite")
    figures = run_soak(plan, tmp_path)
    assert_clean(figures.as_dict(), plan)
    assert figures.outages == ["locked"]


def test_the_region_survives_kills_and_an_outage_on_postgresql(tmp_path: Path, postgres: Engine) -> None:
    plan = Plan.short("postgresql")
    databases = {node: create_database(postgres) for node in ("sykehus", "kommune")}
    try:
        figures = run_soak(plan, tmp_path, databases)
    finally:
        for url in databases.values():
            drop_database(postgres, url)
    assert_clean(figures.as_dict(), plan)
    assert figures.outages == ["blackhole"]
