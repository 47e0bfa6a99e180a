"""The tables of the cooperation test checklist, on the same ``metadata`` as the node's own tables (imported at
the end of :mod:`samhandling.store.messaging.tables`). Made by migration ``0007_checklist``.

- ``checklist_runs``: one row per run of the checklist: when, between which hospital and municipality (HER-ids
  and names as they were), why (trigger, whose change), the testers, the systems and versions of EPJ and
  communication module on both sides, the test patient (masked only), the counts, and the report as JSON.
  A run keeps its parties as a snapshot: no foreign key, so the history outlives changes to the register.
- ``checklist_cases``: one row per case of a run: its result and, as JSON, the evidence (message ids, AppRec,
  what was checked and what was wrong), the runner's notes and the testers' marks, oldest first.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from samhandling.store.metadata import UtcDateTime, metadata

checklist_runs = Table(
    "checklist_runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("checklist_id", String, nullable=False),
    Column("checklist_version", String, nullable=False),
    Column("mode", String(12), nullable=False),
    Column("trigger", String(30), nullable=False),
    Column("changed_side", String(1), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("hospital_her_id", String, nullable=False),
    Column("hospital_name", Text, nullable=False),
    Column("hospital_epj_system", Text, nullable=True),
    Column("hospital_epj_version", Text, nullable=True),
    Column("hospital_comm_module", Text, nullable=True),
    Column("hospital_comm_version", Text, nullable=True),
    Column("municipality_her_id", String, nullable=False),
    Column("municipality_name", Text, nullable=False),
    Column("municipality_number", String(4), nullable=True),
    Column("municipality_number_name", Text, nullable=True),
    Column("municipality_epj_system", Text, nullable=True),
    Column("municipality_epj_version", Text, nullable=True),
    Column("municipality_comm_module", Text, nullable=True),
    Column("municipality_comm_version", Text, nullable=True),
    Column("tester_hospital", Text, nullable=True),
    Column("tester_municipality", Text, nullable=True),
    Column("patient_masked", String(11), nullable=False),
    Column("schemas_checked", Boolean, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("not_run", Integer, nullable=False),
    Column("report", JSON, nullable=False),
    CheckConstraint("mode IN ('automatic', 'partner')", name="mode"),
    CheckConstraint("changed_side IN ('K', 'S')", name="changed_side"),
    Index(None, "started_at"),
    Index(None, "municipality_her_id", "started_at"),
    Index(None, "hospital_her_id", "started_at"),
)

checklist_cases = Table(
    "checklist_cases",
    metadata,
    Column("run_id", String(40), ForeignKey("checklist_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("sender_side", String(10), nullable=False),
    Column("result", String(10), nullable=False),
    Column("note", Text, nullable=True),
    Column("details", JSON, nullable=False),
    CheckConstraint("result IN ('passed', 'failed', 'not_run')", name="result"),
)

CHECKLIST_TABLES = (checklist_runs, checklist_cases)
