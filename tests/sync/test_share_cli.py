"""Sharing a case with another hub from the command line and from the case window, against the
real PostgreSQL server; each share is in the audit log as a disclosure to the other hub."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select
from syncutil import Station

from hubapp.cli import main
from hubapp.store.schema import AuditEntry
from hubapp.sync import credentials
from hubapp.sync.share import share_case
from hubapp.views.case_view import CaseWindow
from hubapp.views.central_dialog import SharingDialog


@pytest.fixture(autouse=True)
def _no_address_from_the_environment(monkeypatch):
    monkeypatch.delenv(credentials.ENV, raising=False)


def _reference(station: Station, case) -> str:
    return station.case(case).reference


def _audit(station: Station, kind: str) -> list[AuditEntry]:
    with station.store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.kind == kind)))


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def test_share_and_unshare_from_the_command_line(stations, capsys):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case("Crossing the county boundary")
    a.sync(), c.sync()
    ref = _reference(a, case)
    db = ["--db", a.path]

    code, out, err = _run(capsys, *db, "share", ref.lower(), "--hub", "copeland",
                          "--central", a.url)  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"Case {ref} is now shared with Copeland:")
    c.sync()
    assert c.case(case).summary == "Crossing the county boundary"
    (entry,) = [e for e in _audit(a, "disclosure") if e.entity == "case_"]
    assert entry.record_ids == [case.hex]
    assert entry.details["to_hub"] == "COP" and entry.details["to"] == "Copeland hub"
    assert entry.details["reference"] == ref

    code, out, err = _run(capsys, *db, "unshare", ref, "--hub", "COP", "--central", a.url)
    assert code == 0, err
    assert out.startswith(f"Case {ref} is no longer shared with Copeland:")
    c.sync()
    assert c.case(case) is None
    assert any(e.details.get("sharing_ended") == "Copeland hub" for e in _audit(a, "alteration"))

    code, out, err = _run(capsys, *db, "unshare", ref, "--hub", "COP", "--central", a.url)
    assert code == 1 and err == "hubapp: The case is not shared with Copeland."


def test_the_command_line_says_what_went_wrong(stations, capsys, monkeypatch):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case()
    mine = c.new_case("Copeland's own")
    a.sync(), c.sync()
    ref = _reference(a, case)
    db = ["--db", a.path]

    code, _out, err = _run(capsys, *db, "share", "CAR-1999-0001", "--hub", "COP",
                           "--central", a.url)  # fmt: skip
    assert code == 1 and err == "hubapp: There is no case CAR-1999-0001 on this station."
    code, _out, err = _run(capsys, *db, "share", ref, "--hub", "Atlantis", "--central", a.url)
    assert code == 1 and err.startswith("hubapp: There is no hub called 'Atlantis'")
    code, _out, err = _run(capsys, *db, "share", ref, "--hub", "Carlisle", "--central", a.url)
    assert code == 1 and err == "hubapp: The case already belongs to Carlisle."
    code, _out, err = _run(capsys, *db, "share", ref, "--hub", "COP")
    assert code == 1 and err.startswith("hubapp: No central database is set up")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(credentials.ENV, f"postgresql://r:pw@127.0.0.1:{port}/hubapp")
    code, _out, err = _run(capsys, *db, "share", ref, "--hub", "COP")
    assert code == 1 and err.startswith("hubapp: Sharing needs the central database, which")

    # Copeland's station sees its own case; only Carlisle could share Carlisle's
    share_args = ["--db", c.path, "share", _reference(c, mine), "--hub", "Carlisle"]
    monkeypatch.setenv(credentials.ENV, c.url)
    assert _run(capsys, *share_args)[0] == 0
    a.sync()
    code, _out, err = _run(capsys, "--db", a.path, "unshare", _reference(c, mine), "--hub",
                           "Carlisle", "--central", a.url)  # fmt: skip
    assert code == 1 and err == "hubapp: Only the case's own hub can share it or stop sharing it."
    assert [e for e in _audit(a, "disclosure") if e.entity == "case_"] == []


def test_the_case_window_shares_and_stops_sharing(stations, qtbot, monkeypatch):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case("Shared from the case window")
    a.sync(), c.sync()
    monkeypatch.setenv(credentials.ENV, a.url)
    w = CaseWindow(a.store, case)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    dialog = w.show_sharing(timeout=5)
    assert isinstance(dialog, SharingDialog)
    with qtbot.waitSignal(dialog.listed, timeout=10_000) as listed:
        pass
    assert listed.args == [[]]
    assert dialog.intro.text() == "This case is not shared with another hub."
    assert dialog.share_button.isEnabled() and not dialog.unshare_button.isEnabled()
    dialog.hub_choice.setCurrentIndex(dialog.hub_choice.findText("Copeland"))
    with qtbot.waitSignal(dialog.listed, timeout=10_000) as listed:
        dialog.share_button.click()
    assert listed.args == [["Copeland"]]
    assert dialog.message.text().startswith("Shared with Copeland")
    c.sync()
    assert c.case(case) is not None
    assert [e.details["to_hub"] for e in _audit(a, "disclosure") if e.entity == "case_"] == ["COP"]

    dialog.hub_list.setCurrentRow(0)
    with qtbot.waitSignal(dialog.listed, timeout=10_000) as listed:
        dialog.unshare_button.click()
    assert listed.args == [[]]
    c.sync()
    assert c.case(case) is None
    dialog.close()


def test_sharing_without_a_central_database_is_disabled_with_a_sentence(stations, qtbot):
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case()
    w = CaseWindow(a.store, case)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    dialog = w.show_sharing()
    qtbot.waitUntil(lambda: "Sharing needs a central database" in dialog.intro.text(),
                    timeout=10_000)  # fmt: skip
    assert not dialog.share_button.isEnabled() and not dialog.unshare_button.isEnabled()
    assert dialog.hub_choice.findText("Carlisle") == -1  # its own hub is not offered
    assert dialog.hub_choice.findText("Copeland") >= 0


def test_a_case_of_another_hub_cannot_be_shared_from_its_window(stations, qtbot, monkeypatch):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    theirs = c.new_case("Copeland's, shared with Carlisle")
    c.sync()
    share_case(c.url, theirs, "Carlisle")
    a.sync()
    monkeypatch.setenv(credentials.ENV, a.url)
    w = CaseWindow(a.store, theirs)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    dialog = w.show_sharing(timeout=5)
    qtbot.waitUntil(lambda: "belongs to Copeland" in dialog.intro.text(), timeout=10_000)
    assert not dialog.share_button.isEnabled() and not dialog.unshare_button.isEnabled()


def test_sync_on_the_command_line_says_a_refused_sign_in_plainly(stations, capsys):
    a = stations("Carlisle", "Civic Centre")
    p = urlsplit(a.url)
    wrong = urlunsplit((p.scheme, f"{p.username}:nope@{p.hostname}:{p.port}", *p[2:]))
    code, _out, err = _run(capsys, "--db", a.path, "sync", "--central", wrong)
    assert code == 1
    assert err == (
        "hubapp: Sign-in to the central database was refused; ask an administrator for a new "
        "address."
    )
