"""``samhandling stats`` and ``stats report`` in process, on a node's SQLite store."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samhandling import cli
from samhandling.bootstrap import bootstrap
from samhandling.domain.messaging.messages import MessageState
from samhandling.settings import load_settings
from tests.support.stores import outgoing

T = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: Path,
        *args: str) -> tuple[int, str, str]:
    for name in [n for n in os.environ if n.startswith("SAMHANDLING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SAMHANDLING_HOME", str(home))
    monkeypatch.setattr(sys, "argv", ["samhandling", *args])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return int(ended.value.code or 0), captured.out, captured.err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAMHANDLING_HOME", str(tmp_path))
    node = bootstrap(load_settings())
    with node.uow() as uow:
        m = uow.messages.add(outgoing("m1", recipient_her_id="8200", created_at=T, updated_at=T))
        assert m.id is not None
        uow.messages.update_state(m.id, MessageState.SENT, at=T)
        uow.messages.update_state(m.id, MessageState.RECEIPT_MISSING, at=T + timedelta(hours=9))
        uow.messages.update_state(m.id, MessageState.QUEUED, at=T + timedelta(hours=9))
        uow.messages.update_state(m.id, MessageState.SENT, at=T + timedelta(hours=9))
        uow.messages.update_state(m.id, MessageState.RECEIPT_OK, at=T + timedelta(hours=9, seconds=40))
        uow.commit()
    node.close()
    return tmp_path


def test_stats_json_and_csv(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(monkeypatch, capsys, home, "stats", "--from", "2026-03-01", "--to", "2026-03-31", "--json",
                       "--now", "2026-04-01T10:00")
    assert code == 0
    figures = json.loads(out)
    assert [(v["partner"], v["counter"], v["unique"]) for v in figures["volumes"]] == [("8200", 2, 1)]
    assert figures["receipts"]["missing_in_deadline"] == 1
    code, out, _ = run(monkeypatch, capsys, home, "stats", "--from", "2026-03-01", "--to", "2026-03-31", "--csv",
                       "--by", "day")
    assert code == 0
    assert out.splitlines()[1] == "2026-03-05,8200,LOG_INNLAGT,outgoing,2,1"


def test_bad_input_is_one_norwegian_line(home: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(monkeypatch, capsys, home, "stats", "--from", "5. mars")
    assert code != 0 and "--from: «5. mars» er ikke en dato" in err
    code, _, err = run(monkeypatch, capsys, home, "stats", "--by", "hour")
    assert code != 0 and "--by" in err


def test_the_annual_report_as_html_and_pdf(home: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    html, pdf = home / "rapport.html", home / "rapport.pdf"
    code, _, err = run(monkeypatch, capsys, home, "stats", "report", "--year", "2026", "--html", str(html),
                       "--pdf", str(pdf), "--now", "2026-12-31T12:00")
    assert code == 0, err
    page = html.read_text()
    assert "Meldingsteller" in page and "<svg" in page and "Hendelser over tre timer" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert pdf.read_bytes().startswith(b"%PDF")
