"""Procedure quality for the year: incidents over three hours with their duration, deviations by category with
their measures, checklist runs and their coverage per EPJ system. Notices come later (``report.notice_section``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from html import escape

from samhandling.store.deviations.repository import DeviationQuery
from samhandling.store.unit_of_work import UnitOfWork

THREE_HOURS = timedelta(hours=3)


def quality_html(uow: UnitOfWork, *, start: datetime, end: datetime, now: datetime) -> str:
    """The section as HTML (Norwegian), read in the caller's unit of work."""
    long_incidents = [
        i for i in uow.incidents.list() if start <= i.detected_at < end and i.duration(now) > THREE_HOURS
    ]
    deviations = uow.deviations.list(DeviationQuery(occurred_from=start, occurred_before=end))
    runs = [r for r in uow.checklist.list() if start <= r.started_at < end]

    rows = "".join(
        f"<tr><td>{escape(i.title)}</td><td>{i.detected_at.date().isoformat()}</td>"
        f'<td class="n">{i.duration(now) / timedelta(hours=1):.1f} t</td><td>{escape(i.status.value)}</td></tr>'
        for i in sorted(long_incidents, key=lambda i: i.detected_at)
    )
    parts = ["<h2>Prosedyrekvalitet</h2>", f"<h3>Hendelser over tre timer ({len(long_incidents)})</h3>",
             f"<table><tr><th>Hendelse</th><th>Oppdaget</th><th>Varighet</th><th>Status</th></tr>"
             f"{rows or '<tr><td>Ingen</td></tr>'}</table>"]
    by_category: Counter[str] = Counter(d.category.label for d in deviations)
    measures: Counter[str] = Counter()
    for d in deviations:
        measures[d.category.label] += len(d.measures)
    parts.append(f"<h3>Avvik etter kategori ({len(deviations)})</h3><table><tr><th>Kategori</th><th>Avvik</th>"
                 "<th>Tiltak</th></tr>" + ("".join(
                     f'<tr><td>{escape(c)}</td><td class="n">{n}</td><td class="n">{measures[c]}</td></tr>'
                     for c, n in sorted(by_category.items())) or "<tr><td>Ingen</td></tr>") + "</table>")
    per_system: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in runs:
        counts = per_system[r.municipality.epj_system or "(ukjent EPJ)"]
        counts[0] += 1
        counts[1] += 1 if r.all_passed else 0
    for system, counts in per_system.items():
        counts[2] = len({r.municipality.her_id for r in runs
                         if (r.municipality.epj_system or "(ukjent EPJ)") == system})
    parts.append(f"<h3>Testsjekkliste: kjøringer per EPJ-system ({len(runs)})</h3><table><tr><th>EPJ-system</th>"
                 "<th>Kjøringer</th><th>Alle tilfeller bestått</th><th>Kommuner testet</th></tr>" + ("".join(
                     f'<tr><td>{escape(s)}</td><td class="n">{a}</td><td class="n">{b}</td><td class="n">{c}</td></tr>'
                     for s, (a, b, c) in sorted(per_system.items())) or "<tr><td>Ingen</td></tr>") + "</table>")
    return "".join(parts)
