"""The statistics read from every store: copies and resends from the journal, receipts, dialogue answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from samhandling.domain.messaging.messages import MessageState
from samhandling.services.statistics.figures import StatsQuery, statistics
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.stores import incoming, outgoing

S = MessageState
T = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Oslo
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_figures_on_every_store(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        # Sent to A, no receipt, sent again, then a positive AppRec after 90 seconds.
        m1 = uow.messages.add(outgoing("m1", recipient_her_id="8200", receiver_her_ids=("8200", "8300"), created_at=T,
                                       updated_at=T))
        assert m1.id is not None
        nine = T + timedelta(hours=9)
        moves = [(S.SENT, T), (S.RECEIPT_MISSING, nine), (S.QUEUED, nine),
                 (S.SENT, nine + timedelta(seconds=1)), (S.RECEIPT_OK, nine + timedelta(seconds=91))]
        for state, at in moves:
            uow.messages.update_state(m1.id, state, at=at)
        # The copy to B, rejected after 30 seconds.
        copy = uow.messages.add(outgoing("m1", recipient_her_id="8300", receiver_her_ids=("8200", "8300"), created_at=T,
                                         updated_at=T))
        assert copy.id is not None
        uow.messages.update_state(copy.id, S.SENT, at=T)
        uow.messages.update_state(copy.id, S.RECEIPT_REJECTED, at=T + timedelta(seconds=30), error_codes=["T10"])
        # A Forespørsel to A, answered two hours later.
        q = uow.messages.add(outgoing("q1", recipient_her_id="8200", msg_type="DIALOG_FORESPORSEL",
                                      created_at=T, updated_at=T))
        assert q.id is not None
        uow.messages.update_state(q.id, S.SENT, at=T)
        answer_at = T + timedelta(hours=2)
        uow.messages.add(incoming("s1", sender_her_id="8200", msg_type="DIALOG_SVAR", parent_ref="q1",
                                  created_at=answer_at, updated_at=answer_at))
        uow.commit()

    figures = statistics(new_uow(), StatsQuery(start=T - timedelta(days=1), end=T + timedelta(days=30)), now=NOW)
    counts = {(r.partner, r.msg_type, r.direction): (r.counter, r.unique) for r in figures.volumes}
    assert counts == {
        ("8200", "LOG_INNLAGT", "outgoing"): (2, 1),
        ("8300", "LOG_INNLAGT", "outgoing"): (1, 1),
        ("8200", "DIALOG_FORESPORSEL", "outgoing"): (1, 1),
        ("8200", "DIALOG_SVAR", "incoming"): (1, 1),
    }
    r = figures.receipts
    # m1's AppRec came after the 8 working hours' deadline from the first sending: no receipt in time.
    assert (r.total, r.positive, r.negative, r.missing, r.pending) == (3, 0, 1, 2, 0)
    assert r.negative_by_code == {"T10": 1}
    assert figures.receipt_times[("8300", "2026-03")].median == 30
    assert figures.receipt_times[("8200", "2026-03")].median == 9 * 3600 + 91
    assert figures.answer_times[("8200", "DIALOG_FORESPORSEL")].median == 7200

    only_b = statistics(new_uow(), StatsQuery(start=T - timedelta(days=1), end=T + timedelta(days=30), partner="8300"),
                        now=NOW)
    assert [(v.partner, v.counter) for v in only_b.volumes] == [("8300", 1)]
