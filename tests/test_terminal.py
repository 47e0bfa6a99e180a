"""Issue 12: what a meldingsansvarlig meets at the terminal, run in process as a user runs it."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.support.cli import run_cli

INNLEGGELSESRAPPORT = "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml"


def test_show_wraps_clinical_text_and_drops_no_word(samples_dir: Path, tmp_path: Path) -> None:
    path = samples_dir / INNLEGGELSESRAPPORT
    notes = [" ".join(el.text.split()) for el in etree.parse(str(path)).iter("{*}Notat") if el.text]
    assert notes
    for columns in (40, 80, 200):
        result = run_cli("show", path, home=tmp_path, columns=columns)
        assert result.returncode == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= columns
        shown = " ".join(word for line in result.stdout.splitlines() for word in line.split()
                         if word.strip("│├└─"))
        for note in notes:
            for word in note.split():
                assert word in shown, (columns, word)
