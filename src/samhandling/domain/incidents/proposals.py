"""Incidents that monitoring proposes: the alerts that mean the exchange itself is broken.

An alert about one message is not an incident. These are (the issue's list, the cooperation procedure §3.4):
the transport down or sending or polling failing, a partner silent, and receipts missing at many partners at
once. A proposal is only a proposal: a person registers the incident (or monitoring does, where the operator
has said so), and an alert already covered by an open incident proposes nothing again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.incidents.incident import AffectedSide, Incident
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause

MANY_PARTNERS = 3
"""Receipts missing at this many partners at once point at our side, not at each partner."""

_NODE_WIDE = {
    AlertCause.SEND_FAILING: "Sending av meldinger feiler",
    AlertCause.POLL_FAILING: "Henting av meldinger feiler",
}
_PARTNER = {
    AlertCause.PARTNER_QUIET: "Ingen meldinger fra samhandlingsparten",
    AlertCause.LINE_TEST_FAILED: "Linjetesten mot samhandlingsparten feiler",
    AlertCause.NEVER_DELIVERED: "Meldinger blir ikke levert til samhandlingsparten",
}
_RECEIPTS = frozenset({AlertCause.RECEIPT_OVERDUE, AlertCause.RECEIPT_EXPIRED})


@dataclass(frozen=True)
class IncidentProposal:
    title: str
    side: AffectedSide
    since: datetime
    partner_her_ids: tuple[str, ...]
    alert_ids: tuple[int, ...]

    @property
    def source_ref(self) -> str:
        return "alert:" + ",".join(str(i) for i in self.alert_ids)


def propose_incidents(alerts: Iterable[Alert], open_incidents: Iterable[Incident]) -> list[IncidentProposal]:
    """The incidents the open alerts point at, leaving out those an open incident already covers."""
    covered = {ref for i in open_incidents if i.is_open and i.source_ref
               for ref in i.source_ref.removeprefix("alert:").split(",")}
    open_alerts = [a for a in alerts if a.resolved_at is None and a.id is not None and str(a.id) not in covered]
    proposals: list[IncidentProposal] = []
    for alert in open_alerts:
        assert alert.id is not None
        if alert.cause in _NODE_WIDE:
            affected: tuple[str, ...] = (alert.partner_her_id,) if alert.partner_her_id else ()
            proposals.append(IncidentProposal(_NODE_WIDE[alert.cause], AffectedSide.OURS, alert.since, affected,
                                              (alert.id,)))
        elif alert.cause in _PARTNER and alert.partner_her_id:
            proposals.append(IncidentProposal(_PARTNER[alert.cause], AffectedSide.PARTNER, alert.since,
                                              (alert.partner_her_id,), (alert.id,)))
    waiting = [a for a in open_alerts if a.cause in _RECEIPTS and a.partner_her_id]
    partners = sorted({a.partner_her_id for a in waiting if a.partner_her_id})
    if len(partners) >= MANY_PARTNERS:
        proposals.append(IncidentProposal(
            f"Applikasjonskvitteringer mangler fra {len(partners)} samhandlingsparter samtidig",
            AffectedSide.OURS, min(a.since for a in waiting), tuple(partners),
            tuple(sorted(a.id for a in waiting if a.id is not None))))
    return sorted(proposals, key=lambda p: (p.since, p.title))
