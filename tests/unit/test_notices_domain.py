"""The rules of notices (varsel): the one-week lead, freeze periods (ours and a partner's, Easter and Christmas
across a year boundary), daylight-saving changes in the window, two working days to answer, the signed link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from samhandling.domain.notices.freeze import (
    OWN,
    FreezeDefaults,
    FreezeKind,
    FreezePeriod,
    default_periods,
    easter_sunday,
    periods_touching,
)
from samhandling.domain.notices.model import (
    Audience,
    NoticeError,
    NoticeKind,
    NoticeStatus,
    Varsel,
    check_transition,
    local_moment,
    show_moment,
)
from samhandling.domain.notices.recipients import Recipient, RecipientState
from samhandling.domain.notices.rules import answer_deadline, check_send, freeze_breach, lead_breach
from samhandling.domain.notices.tokens import TokenError, make_token, read_token

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
PARTNER = "8979555"


def notice(start: str, end: str, **changes: object) -> Varsel:
    values: dict[str, object] = {
        "kind": NoticeKind.UPGRADE, "title": "Oppgradering av DIPS Arena",
        "description": "PLO-meldinger til og fra sykehuset stopper i vinduet.", "responsible": "Sykehuset IKT",
        "start": local_moment(start), "end": local_moment(end), "contact_name": "IKT-vakt",
        "audience": Audience(everyone=True), "created_at": NOW, "created_by": "test",
    }
    values.update(changes)
    return Varsel(**values)  # type: ignore[arg-type]


def test_local_times_are_stored_in_utc_across_daylight_saving_changes() -> None:
    # The night summer time begins (28 March 2027): 01:00 is CET (+01), 04:00 is CEST (+02).
    window = notice("2027-03-28 01:00", "2027-03-28 04:00")
    assert window.start == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    assert window.end == datetime(2027, 3, 28, 2, 0, tzinfo=UTC)
    assert window.end - window.start == timedelta(hours=2)  # three wall-clock hours, two real ones
    assert show_moment(window.end) == "søndag 28. mars 2027 kl. 04:00"
    with pytest.raises(NoticeError, match="finnes ikke"):
        local_moment("2027-03-28 02:30")
    # The night winter time begins (31 October 2027): 02:30 comes twice.
    with pytest.raises(NoticeError, match="to ganger"):
        local_moment("2027-10-31 02:30")
    assert local_moment("2027-10-31 02:30+01:00") - local_moment("2027-10-31 02:30+02:00") == timedelta(hours=1)
    autumn = notice("2027-10-31 00:00", "2027-10-31 06:00")
    assert autumn.end - autumn.start == timedelta(hours=7)


def test_a_notice_needs_the_content_the_procedure_asks_for() -> None:
    with pytest.raises(NoticeError, match="beskrivelse"):
        notice("2027-03-01 22:00", "2027-03-01 23:00", description="  ")
    with pytest.raises(NoticeError, match="slutt"):
        notice("2027-03-01 22:00", "2027-03-01 21:00")
    with pytest.raises(NoticeError, match="E-postadressen"):
        notice("2027-03-01 22:00", "2027-03-01 23:00", contact_email="ikke en adresse")
    kept = notice("2027-03-01 22:00", "2027-03-01 23:00", description="Linje én.\n\n\n  Linje   to.  ")
    assert kept.description == "Linje én.\n\nLinje to."
    assert NoticeKind.CERTIFICATE.purpose.value == "sertifikat"
    assert NoticeKind.UPGRADE.purpose.value == "planlagt_nedetid"


def test_states_move_forward_only() -> None:
    check_transition(NoticeStatus.DRAFT, NoticeStatus.PLANNED)
    check_transition(NoticeStatus.PLANNED, NoticeStatus.CANCELLED)
    with pytest.raises(NoticeError, match="fullført"):
        check_transition(NoticeStatus.COMPLETED, NoticeStatus.PLANNED)
    with pytest.raises(NoticeError):
        check_transition(NoticeStatus.CANCELLED, NoticeStatus.IN_PROGRESS)


def test_the_one_week_rule() -> None:
    exactly = notice("2027-02-08 10:00", "2027-02-08 11:00")  # 10:00 Oslo is 09:00 UTC: seven days to the minute
    assert lead_breach(exactly, NOW) is None
    short = notice("2027-02-08 09:59", "2027-02-08 11:00")
    breach = lead_breach(short, NOW)
    assert breach is not None and "minst én uke" in breach.text
    assert [b.rule for b in check_send(short, NOW, [], urgent_reason=None, freeze_reason=None)] == ["lead"]
    assert check_send(short, NOW, [], urgent_reason="Sikkerhetsoppdatering", freeze_reason=None) == []
    assert short.with_changes(urgent_reason="Sikkerhetsoppdatering").deviations[0].startswith("Sendt med kortere")
    with pytest.raises(NoticeError, match="over"):
        check_send(notice("2027-01-01 10:00", "2027-01-01 11:00"), NOW, [], urgent_reason="x", freeze_reason=None)


def test_easter_default_is_monday_of_holy_week_to_easter_monday() -> None:
    assert easter_sunday(2027) == date(2027, 3, 28)
    easter = next(p for p in default_periods(OWN, 2027) if p.kind is FreezeKind.EASTER)
    assert (easter.first, easter.last) == (date(2027, 3, 22), date(2027, 3, 29))
    assert easter.default and "Standard" in (easter.source or "")
    before = notice("2027-03-21 20:00", "2027-03-21 23:59")
    inside = notice("2027-03-29 22:00", "2027-03-30 01:00")  # from Easter Monday evening into Tuesday
    after = notice("2027-03-30 00:00", "2027-03-30 02:00")
    periods = periods_touching(OWN, inside.start, inside.end, [])
    assert freeze_breach(inside, periods) is not None
    assert freeze_breach(before, periods_touching(OWN, before.start, before.end, [])) is None
    assert freeze_breach(after, periods_touching(OWN, after.start, after.end, [])) is None


def test_christmas_reaches_across_the_year_boundary() -> None:
    new_year = notice("2028-01-02 22:00", "2028-01-02 23:00")
    found = periods_touching(OWN, new_year.start, new_year.end, [])
    assert [p.title for p in found] == ["Juleferie 2027/2028"]
    breach = freeze_breach(new_year, found)
    assert breach is not None and "21.12.2027–02.01.2028" in breach.text
    assert periods_touching(OWN, local_moment("2028-01-03 00:00"), local_moment("2028-01-03 02:00"), []) == []
    later = FreezeDefaults.parse("12-18/01-05", "06-25/08-10")
    assert periods_touching(OWN, local_moment("2028-01-04 10:00"), local_moment("2028-01-04 11:00"), [], later)
    with pytest.raises(NoticeError, match="MM-DD"):
        FreezeDefaults.parse("21.12/2.1", "06-20/08-15")


def test_a_partners_own_periods_replace_the_default_for_that_year() -> None:
    # The municipality's autumn break is entered as data; with data for 2027, the default for 2027 is not used.
    autumn = FreezePeriod(organisation=PARTNER, kind=FreezeKind.OTHER, first=date(2027, 10, 4),
                          last=date(2027, 10, 8), name="Høstferie 2027", source="kommunens skolerute",
                          checked_on=date(2027, 1, 15))
    window = notice("2027-10-05 20:00", "2027-10-05 23:00")
    assert freeze_breach(window, periods_touching(OWN, window.start, window.end, [autumn])) is None
    hit = freeze_breach(window, periods_touching(PARTNER, window.start, window.end, [autumn]))
    assert hit is not None and "Høstferie 2027" in hit.text and PARTNER in hit.text
    summer = notice("2027-07-01 20:00", "2027-07-01 23:00")
    assert periods_touching(PARTNER, summer.start, summer.end, [autumn]) == []  # the partner's data for 2027 rules
    assert periods_touching(OWN, summer.start, summer.end, [autumn])  # our default still holds
    assert check_send(window, NOW, [autumn], urgent_reason=None, freeze_reason="Avtalt med kommunen") == []


@pytest.mark.parametrize(("sent", "due"), [
    ("2027-02-03 10:00", "2027-02-06 00:00"),  # Wednesday → end of Friday
    ("2027-02-05 15:00", "2027-02-10 00:00"),  # Friday → end of Tuesday, across the weekend
    ("2027-02-06 12:00", "2027-02-10 00:00"),  # Saturday → end of Tuesday
    # Wednesday in Holy Week: Maundy Thursday, Good Friday and Easter Monday are holidays → end of Wednesday after
    ("2027-03-24 10:00", "2027-04-01 00:00"),
    ("2027-12-23 10:00", "2027-12-28 00:00"),  # Thursday: 24 December is a working day, then Monday 27th
])
def test_two_working_days_to_answer(sent: str, due: str) -> None:
    assert answer_deadline(local_moment(sent)) == local_moment(due)


def test_recipient_states() -> None:
    sent = local_moment("2027-02-05 15:00")
    waiting = Recipient(notice_id=1, partner_her_id=PARTNER, email="meldingsansvarlig@gjovik.kommune.no", version=1)
    assert waiting.state(sent) is RecipientState.PENDING
    delivered = Recipient(**{**waiting.__dict__, "delivered_at": sent})
    assert delivered.state(local_moment("2027-02-09 23:59")) is RecipientState.SENT
    assert delivered.state(local_moment("2027-02-10 00:00")) is RecipientState.OVERDUE
    answered = Recipient(**{**delivered.__dict__, "acknowledged_version": 1})
    assert answered.state(local_moment("2027-03-01 00:00")) is RecipientState.ACKNOWLEDGED
    renotified = Recipient(**{**answered.__dict__, "version": 2})
    assert renotified.state(local_moment("2027-02-09 00:00")) is RecipientState.SENT
    assert Recipient(notice_id=1, partner_her_id=PARTNER, email=None).state(sent) is RecipientState.NOT_REACHED


def test_acknowledgement_tokens_are_signed_and_expire() -> None:
    secret = b"k" * 32
    token = make_token(secret, 7, 2, 41, now=NOW)
    claim = read_token(secret, token, now=NOW + timedelta(days=29))
    assert (claim.notice_id, claim.version, claim.recipient_id) == (7, 2, 41)
    with pytest.raises(TokenError, match="utløpt"):
        read_token(secret, token, now=NOW + timedelta(days=31))
    forged = token.replace("7.2.41", "7.2.42", 1)
    with pytest.raises(TokenError, match="signaturen"):
        read_token(secret, forged, now=NOW)
    with pytest.raises(TokenError, match="signaturen"):
        read_token(b"x" * 32, token, now=NOW)
    with pytest.raises(TokenError, match="format"):
        read_token(secret, "tull", now=NOW)
