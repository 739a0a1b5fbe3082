"""Generated input through every form of the app, driven like a person would: typed or
pasted (any Unicode, control characters, right-to-left marks, emoji, very long text, spaces
round the edges, newlines pasted into one-line fields, dates on the edges of the calendar,
numbers out of range, empty fields), then saved with the keyboard or the form's button.

After each attempt: nothing raised (in a slot or a Qt virtual method), the window still
answers, and either the record reads back exactly as typed (after the form's documented
tidying) or one clear sentence is shown beside a field and nothing was written.
Real SQLite files and real widgets; one database per test, reused between examples."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QTextEdit
from sqlalchemy import func, select

from hubapp.domain.text import clean_line, clean_text

settings.register_profile(
    "forms-fuzz",
    database=None,  # nothing kept between runs: no .hypothesis folder
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
FUZZ = settings.get_profile("forms-fuzz")

# -- what gets typed ---------------------------------------------------------------------
_ODD = list("<b>&;\"'\\%=+-@\t\r\n\x00\x1b\x7f\u200b\u200e\u200f\u202a\u202e\u2028\ufeffé😀🏴‍☠️")
_CHAR = st.one_of(st.characters(codec="utf-8"), st.sampled_from(_ODD))  # no lone surrogates
TEXT = st.one_of(
    st.text(_CHAR, max_size=30),
    st.builds(lambda a, b: f"  {a}\n{b}  ", st.text(_CHAR, max_size=12), st.text(_CHAR, max_size=12)),
    st.text(_CHAR, min_size=150, max_size=300),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "😀", "\u202e", " ", "x\n"]),
              st.sampled_from([0, 1, 121, 2_001, 10_000])),
)  # fmt: skip
#: something printable, so that a required field can be satisfied
SHORT = st.text(_CHAR, max_size=30)
SOME = st.text(_CHAR, min_size=1, max_size=80).filter(lambda t: clean_line(t) != "")
DATE_TEXT = st.one_of(
    st.sampled_from(["29/02/2028", "29/02/2027", "31/02/2027", "31/12/9999", "01/01/0001",
                     "1/1/1", "00/00/0000", "31/04/2027", "25/11/2026", "26/11/2026",
                     "24/11/2026", "32/01/2027", "12/13/2027", "2027-03-01", "", " ",
                     "99999999999999999999", "-1/-1/-1", "٢٥/١١/٢٠٢٦", "１/２/２０２７"]),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(
        lambda d: d.strftime("%d/%m/") + f"{d.year:04d}"),
    st.text(_CHAR, max_size=12),
)  # fmt: skip


def mostly(good, other):
    """``good`` three times in four; shrinks towards ``other``."""
    return st.integers(0, 3).flatmap(lambda i: other if i == 0 else good)


def _send_text(widget, text: str) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, text))


def enter(qtbot, widget, text: str) -> None:
    """Put ``text`` into a field as a person would: short text typed key by key (characters
    QTest cannot name sent as key events carrying their text, as an input method does),
    longer text pasted from the clipboard with Ctrl+V, over whatever the field held. A line
    break in a one-line field comes only from pasting (Enter there presses the default
    button, as it should)."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if not text:
        return
    one_line = isinstance(widget, QLineEdit)
    if len(text) <= 12 and not (one_line and ("\n" in text or "\r" in text)):
        for ch in text:
            if ch == "\n":
                qtbot.keyClick(widget, Qt.Key.Key_Return)
            elif ch.isascii() and ch.isprintable():
                qtbot.keyClicks(widget, ch)
            else:
                _send_text(widget, ch)
    else:
        QApplication.clipboard().setText(text)
        qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def held(widget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText()
    return widget.edit.text()  # a date field with its calendar button


def one_sentence(label: QLabel) -> str:
    """The problem shown beside a field: visible, plain text, a sentence."""
    assert label.isVisibleTo(label.window()), "the problem is not shown"
    assert label.textFormat() == Qt.TextFormat.PlainText
    text = label.text().strip()
    assert text and text[-1] in ".?”'", text  # (it may begin with a file name)
    return text


def still_usable(window) -> None:
    """The window answers: it paints, takes the focus and its event loop runs."""
    QApplication.processEvents()
    if window.isVisible():
        window.grab()  # paints every child with what it holds
        window.activateWindow()
    assert QApplication.instance() is not None


class Attempt:
    """Collects what escaped to sys.excepthook (exceptions in slots and Qt virtual methods)
    during one example, so that Hypothesis sees the failure and can shrink it."""

    def __init__(self, qtbot) -> None:
        self._cm = qtbot.captureExceptions()

    def __enter__(self):
        self.caught = self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        if exc[0] is None and self.caught:
            kind, value, tb = self.caught[0]
            raise AssertionError(f"an exception escaped: {kind.__name__}: {value}").with_traceback(
                tb
            )
        return False


def count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- sign-in -------------------------------------------------------------------------------
JO_PW = "kendal-river-otter"
USER_NAMES = st.one_of(
    TEXT,
    st.sampled_from(["jo", " jo ", "JO", "Jo\u200b", "jo\n", "\u202ejo", "boss", "j", "x" * 65]),
    st.from_regex(r"\A ?[\w.@'-]{2,20} ?\Z"),  # names that will do, some with spaces round
)
PASSWORDS = st.one_of(
    TEXT,
    st.sampled_from([JO_PW, f" {JO_PW}", JO_PW.upper(), "x" * 257, "aaaaaaaaaaaa", "short"]),
    st.text(_CHAR, min_size=10, max_size=40),
)
GOOD_USER = st.from_regex(r"\A ?[a-z][a-z0-9.@'_-]{1,20} ?\Z")
GOOD_PASSWORD = st.builds("{}Xq7!kP2z{}".format, st.text(_CHAR, max_size=12),
                          st.text(_CHAR, max_size=12))  # fmt: skip


@pytest.fixture
def accounts_store(store):
    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft

    accounts.create_account(store, AccountDraft("boss", "Bea Boss", "administrator"), JO_PW[::-1])
    accounts.sign_in(store, "boss", JO_PW[::-1])
    accounts.create_account(store, AccountDraft("jo", "Jo Partner", "partner"), JO_PW)
    store.account, store.user = None, None
    return store


@settings(FUZZ, max_examples=60)
@given(user=st.one_of(USER_NAMES, st.sampled_from(["jo", " jo ", "JO"])),
       password=st.one_of(PASSWORDS, st.just(JO_PW)), by_enter=st.booleans())  # fmt: skip
def test_sign_in(qtbot, accounts_store, user, password, by_enter):
    """Wrong names and passwords are told beside the field; only the right pair signs in."""
    from hubapp.store import accounts
    from hubapp.views.sign_in import SignInDialog

    store = accounts_store
    store.account = None
    before = accounts.get(store, "jo")
    d = SignInDialog(lambda u, p: accounts.sign_in(store, u, p), None, station="Carlisle")
    qtbot.addWidget(d)
    d.show()
    with Attempt(qtbot):
        enter(qtbot, d.user, user)
        enter(qtbot, d.password, password)
        typed_user, typed_password = d.user.text(), d.password.text()
        if by_enter:
            qtbot.keyClick(d.password, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: d.checking is None, timeout=10_000)  # checked in the background
        still_usable(d)
    right = accounts.name_key(typed_user) == "jo" and typed_password == JO_PW
    event("signed in" if d.result() == d.DialogCode.Accepted else "refused")
    if d.result() == d.DialogCode.Accepted:
        assert right and not before.locked()
        assert store.account.user_name == "jo" and d.account.user_name == "jo"
    else:
        assert not (right and not before.locked())
        assert store.account is None and d.isVisible()
        shown = [one_sentence(x) for x in (d.user_error, d.password_error) if x.isVisible()]
        assert len(shown) == 1
        assert d.user.text() == typed_user  # the user name is kept, the password never
        assert d.password.text() == "" or not typed_user.strip() or not typed_password
    d.done(0)


# -- first start ---------------------------------------------------------------------------
@settings(FUZZ, max_examples=30)
@given(hub=st.one_of(st.integers(0, 8), st.integers(1, 5)), station=st.one_of(TEXT, SOME),
       user=mostly(GOOD_USER, USER_NAMES), name=st.one_of(TEXT, SOME),
       password=mostly(GOOD_PASSWORD, PASSWORDS), again=mostly(st.none(), PASSWORDS),
       by_enter=st.booleans())  # fmt: skip
def test_first_start(qtbot, db_path, hub, station, user, name, password, again, by_enter):
    """Hub, station and the first administrator, on a new database each time."""
    from hubapp.store import accounts, setup
    from hubapp.store.accounts import AccountDraft
    from hubapp.views.first_start import FirstStartDialog

    store = _first_start_store(db_path)
    made: list[str] = []

    def admin_problems(u, p):
        return accounts.validate(AccountDraft(u, "", "administrator")) + accounts.password_problems(
            p, u
        )

    def make_admin(u, n, p):
        accounts.create_account(store, AccountDraft(u, n, "administrator"), p)
        made.append(u)

    before = setup.current(store)
    d = FirstStartDialog(setup.hub_choices(store), lambda h, s: setup.configure(store, h, s),
                         admin_problems=admin_problems, make_admin=make_admin)  # fmt: skip
    qtbot.addWidget(d)
    d.show()
    with Attempt(qtbot):
        d.hub.setFocus()
        for _ in range(hub):
            qtbot.keyClick(d.hub, Qt.Key.Key_Down)
        enter(qtbot, d.station, station)
        enter(qtbot, d.admin_user, user)
        enter(qtbot, d.admin_name, name)
        enter(qtbot, d.admin_password, password)
        enter(qtbot, d.admin_again, password if again is None else again)
        typed = (d.hub.currentData(), d.station.text(), d.admin_user.text(), d.admin_name.text())
        if by_enter:
            qtbot.keyClick(d.admin_again, Qt.Key.Key_Return)
        else:
            from PySide6.QtWidgets import QDialogButtonBox

            ok = d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: d.working is None, timeout=10_000)  # saved in the background
        still_usable(d)
    now = setup.current(store)
    if d.result() == d.DialogCode.Accepted:
        event("set up")
    if d.result() == d.DialogCode.Accepted:
        assert now.hub_code == typed[0] and now.station_name == " ".join(typed[1].split())
        account = accounts.get(store, typed[2].strip())
        assert made == [typed[2].strip()] and account.is_admin
        assert account.display_name == (" ".join(typed[3].split()) or typed[2].strip())
    else:
        labels = [d.error, *d.admin_errors.values()]
        shown = [one_sentence(x) for x in labels if x.isVisible()]
        assert shown, "refused without saying why"
        event(f"refused: {shown[0].split()[:4]}")
        assert (typed[1], typed[2], typed[3]) == (d.station.text(), d.admin_user.text(),
                                                  d.admin_name.text())  # fmt: skip
        assert not made
        assert (now is None) == (before is None) or d.error.isHidden()
    d.done(0)
    store.close()


_FIRST = {}


def _first_start_store(db_path):
    """A new database, as on first start (the hubs and agencies only); a fresh copy of it for
    each example, since a first start that succeeded cannot happen twice."""
    import shutil

    from hubapp.store.database import open_store

    template = db_path.with_name("first-start-template.sqlite3")
    if not template.exists():
        s = open_store(template)
        with s.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        s.close()
    for suffix in ("", "-wal", "-shm"):
        p = db_path.with_name(db_path.name + suffix)
        if p.exists():
            p.unlink()
    shutil.copy(template, db_path)
    return open_store(db_path)


# -- the action dialog ---------------------------------------------------------------------
TODAY = date(2026, 11, 25)


@pytest.fixture
def action_dialog(qtbot, store):
    from casework import agency_id, new_case

    from hubapp.views.action_dialog import ActionDialog

    case = new_case(store, "CAR-2026-0042")
    d = ActionDialog(store, case, agency_id(store, "POLICE"), today=TODAY)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    qtbot.waitUntil(lambda: not d.busy, timeout=10_000)  # its list is read
    return d


@settings(FUZZ, max_examples=120)
@given(description=st.one_of(TEXT, SOME, SOME), owner=TEXT, status=st.integers(0, 3),
       due=st.one_of(DATE_TEXT, st.sampled_from(["", "25/11/2026", "1/12/26", "2027-03-01",
                                                  "29/02/2028", " 24/11/2028 "])),
       by_keys=st.booleans())  # fmt: skip
def test_action_dialog(qtbot, action_dialog, description, owner, due, status, by_keys):
    """Adding an action, or changing the one just added (the form stays on it)."""
    from hubapp.store.schema import Action
    from hubapp.views.action_dialog import parse_date

    d = action_dialog
    editing = d._line
    before = count(d.store, Action)
    with Attempt(qtbot):
        enter(qtbot, d.description, description)
        enter(qtbot, d.owner, owner)
        enter(qtbot, d.due.edit, due)
        d.status.setFocus()
        for _ in range(status):
            qtbot.keyClick(d.status, Qt.Key.Key_Down)
        typed = (held(d.description), held(d.owner), held(d.due), d.status.currentData())
        if by_keys:
            qtbot.keyClick(d.owner, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not d.busy, timeout=10_000)  # saved in the background
        still_usable(d)
    shown = [one_sentence(x) for x in d.errors.values() if x.isVisible()]
    with d.store.read() as s:
        if editing is None:
            rows = s.scalars(select(Action).order_by(Action.created_at.desc())).all()
        else:
            rows = [s.get(Action, editing.id)]
    if shown:
        event("refused")
        assert (held(d.description), held(d.owner), held(d.due)) == typed[:3]  # nothing lost
        assert count(d.store, Action) == before
        if editing is not None:
            assert (rows[0].description, rows[0].row_version) == (
                editing.description, editing.row_version), (shown, d.message.text())  # fmt: skip
        return
    event("edited" if editing is not None else "added")
    assert d.message.text() in ("Action added.", "Changes saved."), d.message.text()
    assert count(d.store, Action) == before + (editing is None)
    action = rows[0]
    assert action.description == clean_text(typed[0])
    assert action.owner == clean_line(typed[1])
    assert action.due_on == parse_date(typed[2])
    assert action.status == typed[3]
    assert d._line is not None and d._line.id == action.id  # the form stays on it


# -- the accounts dialog: adding an account --------------------------------------------------
@pytest.fixture
def accounts_dialog(qtbot, accounts_store):
    from hubapp.store import accounts, lookups
    from hubapp.views.accounts_dialog import AccountsDialog

    accounts.sign_in(accounts_store, "boss", JO_PW[::-1])
    d = AccountsDialog(accounts_store, None, lookups.load(accounts_store))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    qtbot.waitUntil(lambda: not d.busy, timeout=10_000)  # its list is read
    return d


@settings(FUZZ, max_examples=40)
@given(user=mostly(GOOD_USER, USER_NAMES), name=st.one_of(TEXT, SOME), role=st.integers(0, 6),
       password=mostly(GOOD_PASSWORD, PASSWORDS), again=mostly(st.none(), PASSWORDS),
       by_enter=st.booleans())  # fmt: skip
def test_accounts_dialog_add(qtbot, accounts_dialog, user, name, role, password, again, by_enter):
    """The administrator adds accounts; a bad one is told beside its field."""
    from hubapp.store import accounts

    d = accounts_dialog
    before = {a.user_name for a in accounts.list_accounts(d.store)}
    with Attempt(qtbot):
        enter(qtbot, d.new_user, user)
        enter(qtbot, d.new_name, name)
        d.new_role.setFocus()
        for _ in range(role):
            qtbot.keyClick(d.new_role, Qt.Key.Key_Down)
        enter(qtbot, d.new_password, password)
        enter(qtbot, d.new_again, password if again is None else again)
        typed = (d.new_user.text(), d.new_name.text(), d.new_role.currentData())
        if by_enter:
            qtbot.keyClick(d.new_again, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(d.add_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not d.busy, timeout=10_000)  # added in the background
        still_usable(d)
    after = {a.user_name for a in accounts.list_accounts(d.store)}
    shown = [one_sentence(x) for x in d.add_errors.values() if x.isVisible()]
    if shown:
        event(f"refused: {shown[0].split()[:4]}")
        assert after == before
        assert (d.new_user.text(), d.new_name.text()) == typed[:2]  # kept
        return
    event("added")
    assert after - before == {typed[0].strip()}
    account = accounts.get(d.store, typed[0].strip())
    assert account.display_name == (" ".join(typed[1].split()) or typed[0].strip())
    assert account.role.value == typed[2]
    assert d.selected_message.text() == f"{typed[0].strip()} is added."


# -- the risk questionnaire ------------------------------------------------------------------
@settings(FUZZ, max_examples=80)
@given(person=TEXT, ticks=st.lists(st.integers(0, 9), max_size=14), by_enter=st.booleans())
def test_risk_dialog(qtbot, person, ticks, by_enter):
    """Ticked questions are the answers; the score follows; Enter or OK accepts them. The
    person's name (anything typed on the intake form) is shown as plain text."""
    from PySide6.QtWidgets import QDialogButtonBox

    from hubapp.store.casework import risk
    from hubapp.views.risk_dialog import RiskDialog

    d = RiskDialog(person, today=TODAY)
    qtbot.addWidget(d)
    with qtbot.waitActive(d):
        d.show()
        d.activateWindow()
    codes = list(d.boxes)
    expected = dict.fromkeys(codes, False)
    with Attempt(qtbot):
        for n in ticks:
            if n >= len(codes) or n > 9:
                continue
            box = d.boxes[codes[n]]  # Space on the focused box (Alt+digit animates a click)
            box.setFocus()
            qtbot.keyClick(box, Qt.Key.Key_Space)
            expected[codes[n]] = not expected[codes[n]]
        if by_enter:
            qtbot.keyClick(d.focusWidget() or d, Qt.Key.Key_Return)
        else:
            ok = d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        still_usable(d)
    assert d.result() == d.DialogCode.Accepted
    answers = d.answers()
    assert answers == {c: risk.YES if on else risk.NO for c, on in expected.items()}
    result = risk.assess(answers, TODAY)
    assert f"Score {result.score} of" in d.result_label.text()
    d.deleteLater()


# -- the central database dialog (the address only: no network) -------------------------------
_URL_PART = st.one_of(st.sampled_from(["", "hub_car", "r:ole", "p@ss", "%zz", "[", "]", " "]),
                      st.text(_CHAR, max_size=10))  # fmt: skip
ADDRESSES = st.one_of(
    TEXT,
    st.builds(
        "{}://{}:{}@{}{}/{}".format,
        mostly(
            st.sampled_from(["postgresql", "postgres", "postgresql+psycopg"]),
            st.sampled_from(["http", "", "POSTGRESQL", "postgresql:"]),
        ),
        mostly(st.sampled_from(["hub_car", "r%40le"]), _URL_PART),
        mostly(st.sampled_from(["secret", "p%40ss"]), _URL_PART),
        mostly(
            st.sampled_from(["127.0.0.1", "[::1]", "central.example"]),
            st.sampled_from(["[::1", "", "host name", "ünï.example", "1.2.3.4.5"]),
        ),
        mostly(
            st.sampled_from(["", ":1", ":5432"]),
            st.sampled_from(
                [":0", ":65535", ":65536", ":-1", ":99999999999999999999", ":abc", ":"]
            ),
        ),
        _URL_PART,
    ),  # fmt: skip
)


AT_PROBLEM = (
    "An @ in the role or password must be written %40; the address has one @ only, before the "
    "server."
)


@pytest.fixture
def central_dialog(qtbot, store):
    from hubapp.views.central_dialog import CentralDialog

    d = CentralDialog(store, timeout=2.0)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.test_button.isEnabled(), timeout=10_000)
    return d


@settings(FUZZ, max_examples=120)
@given(address=ADDRESSES, save=st.booleans())
def test_central_dialog_address(qtbot, central_dialog, address, save):
    """A pasted address that is not one is told beside the field and nothing is tried; one
    that reads right is only tried against this PC (a closed port), never the network."""
    from urllib.parse import urlsplit

    from hubapp.sync import credentials

    d = central_dialog
    saved_before = credentials.saved_address(d.store)
    with Attempt(qtbot):
        enter(qtbot, d.address, address)
        typed = d.address.text()
        problem = credentials.address_problem(typed)
        try:
            parts = urlsplit(typed.strip())
            local = parts.hostname in ("127.0.0.1", "::1")
            if not problem and parts.netloc.count("@") > 1:
                problem = AT_PROBLEM
        except ValueError:
            local = False
        if problem or local:
            button = d.save_button if save else d.test_button
            if problem:
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            else:
                with qtbot.waitSignal(d.answered, timeout=20_000):
                    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(lambda: d.test_button.isEnabled(), timeout=10_000)
        else:
            assert d._url() == typed.strip()  # what would be sent is what was pasted
        still_usable(d)
    if problem:
        event("refused")
        assert one_sentence(d.problem) == problem
        assert d.address.text() == typed
        assert credentials.saved_address(d.store) == saved_before
    elif local:
        event("tried locally")
        answer = d.answer.text()
        assert answer and d.problem.text() == ""
        if answer.startswith("Saved, although the server cannot be reached now."):
            # documented: an address is kept while the server is off; never its password
            saved = credentials.saved_address(d.store)
            assert save and saved and d.address.text() == ""
            assert ":secret@" not in saved and ":p%40ss@" not in saved
        else:
            assert d.address.text() == typed
            assert credentials.saved_address(d.store) == saved_before
    else:
        event("looks usable")


# -- the intake form -------------------------------------------------------------------------
WHEN_TEXT = st.one_of(
    DATE_TEXT,
    st.sampled_from(["now", "yesterday 21:00", "25/11/2026 13:40", "29/02/2024 23:59",
                     "24/11/2026 24:00", "24/11/2026 23:60", "today", "1/1/1 00:00"]),
)  # fmt: skip


@settings(FUZZ, max_examples=100)
@given(channel=mostly(st.integers(1, 3), st.just(0)), category=mostly(st.integers(1, 4), st.just(0)),
       received=mostly(st.sampled_from([None, "now", "25/11/2026 09:00"]), WHEN_TEXT),
       incident=mostly(st.sampled_from(["", "yesterday 21:00", "29/02/2024 23:59"]), WHEN_TEXT),
       summary=mostly(SOME, TEXT), details=mostly(SHORT, TEXT), location=mostly(SOME, TEXT),
       town=mostly(SHORT, TEXT), postcode=mostly(st.sampled_from(["ca11aa", " LA9 4PB ", ""]),
                                                  st.one_of(st.just("CA1"), TEXT)),
       police_log=mostly(SHORT, TEXT), reporter=mostly(SHORT, TEXT),
       person=st.one_of(st.none(), st.tuples(st.integers(0, 4), mostly(SOME, TEXT), TEXT)),
       by_keys=st.booleans())  # fmt: skip
def test_intake_form(
    qtbot,
    store,
    channel,
    category,
    received,
    incident,
    summary,
    details,
    location,
    town,
    postcode,
    police_log,
    reporter,
    person,
    by_keys,
):
    """A new issue: saved and read back as the documented tidying says, or refused with the
    problems beside their fields and nothing stored."""
    from hubapp.store import lookups, setup
    from hubapp.store.intake import form as intake
    from hubapp.store.schema import Case, CasePerson, Person
    from hubapp.views.intake_form import IntakeWindow

    w = IntakeWindow(store, _lookups(store, lookups), setup.current(store))
    qtbot.addWidget(w, before_close_func=lambda w: setattr(w, "_closing", True))
    with qtbot.waitActive(w):  # Ctrl+S is the window's shortcut
        w.show()
        w.activateWindow()
    before = count(store, Case)
    outcome = []
    w.saved.connect(outcome.append)
    with Attempt(qtbot):
        for combo, n in ((w.channel, channel), (w.category, category)):
            combo.setFocus()
            for _ in range(n):
                qtbot.keyClick(combo, Qt.Key.Key_Down)
        if received is not None:
            enter(qtbot, w.received, received)
        for widget, text in ((w.incident, incident), (w.summary, summary),
                             (w.details, details), (w.location, location), (w.town, town),
                             (w.postcode, postcode), (w.police_log, police_log),
                             (w.reporter_name, reporter)):  # fmt: skip
            enter(qtbot, widget, text)
        if person is not None:
            qtbot.mouseClick(w.add_person_button, Qt.MouseButton.LeftButton)
            row = w.person_rows[-1]
            row.role.setFocus()
            for _ in range(person[0]):
                qtbot.keyClick(row.role, Qt.Key.Key_Down)
            enter(qtbot, row.name, person[1])
            enter(qtbot, row.address, person[2])
        form = w.form()
        if by_keys:
            qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S,
                           Qt.KeyboardModifier.ControlModifier)  # fmt: skip
        else:
            qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not w._saving, timeout=20_000)
        still_usable(w)
    if not outcome:
        event("refused")
        assert w.isVisible() and w.form() == form  # nothing typed is lost
        assert count(store, Case) == before
        messages = [*w.messages.values(), *(r.message for r in w.person_rows)]
        shown = [one_sentence(m.text) for m in messages if m.problem]  # hints are not problems
        assert all(m.icon.isVisibleTo(w) for m in messages if m.problem)
        assert shown, w.status.text()
        event(f"refused: {sorted({m.problem.split()[1] for m in messages if m.problem})}")
        assert w.status.text().startswith("Not saved yet")
        w._closing = True
        w.close()
        return
    event("saved")
    assert count(store, Case) == before + 1
    with store.read() as s:
        case = s.get(Case, outcome[0].case_id)
        assert case.summary == clean_line(form.summary)
        assert case.details == clean_text(form.details)
        assert case.location == clean_line(form.location)
        assert case.town == clean_line(form.town)
        assert case.postcode == intake.normalise_postcode(form.postcode)
        assert case.police_log_ref == clean_line(form.police_log)
        people = sorted(
            (cp.role, p.full_name, p.address)
            for cp, p in s.execute(
                select(CasePerson, Person)
                .join(Person, Person.id == CasePerson.person_id)
                .where(CasePerson.case_id == case.id, CasePerson.role != "reporter")
            )
        )
    typed = sorted((p.role, clean_line(p.full_name), clean_text(p.address))
                   for p in form.people if not p.is_blank())  # fmt: skip
    assert people == typed


_LOOKUPS = {}


def _lookups(store, lookups):
    """The lookup lists, read once per database (they do not change while the test runs)."""
    key = id(store)
    if key not in _LOOKUPS:
        _LOOKUPS.clear()
        _LOOKUPS[key] = lookups.load(store)
    return _LOOKUPS[key]


# -- retention: keep until…, erase… ------------------------------------------------------------
def _closed_case(store, n: int):
    """A case closed long ago, on the review list; its DueItem."""
    from casework import new_case

    from hubapp.domain.clock import local_today
    from hubapp.store.admin import retention

    ref = f"CAR-2019-{n:04d}"
    new_case(store, ref, status="closed", closed_on=date(2019, 2, 1), summary="<b>Bonfire</b>")
    return next(i for i in retention.due(store, local_today()) if i.reference == ref)


@pytest.fixture
def due_item(store):
    return _closed_case(store, 1)


REASONS = mostly(SOME, st.one_of(TEXT, st.just("r" * 501), st.just(" \n\t ")))


@settings(FUZZ, max_examples=80)
@given(day=st.one_of(DATE_TEXT, st.sampled_from(["25112027", "29022028", "31129999", "01010001",
                                                 "26112026", "25112026", "24112051"])),
       steps=st.integers(-400, 400), reason=REASONS, by_enter=st.booleans())  # fmt: skip
def test_retention_keep(qtbot, store, due_item, day, steps, reason, by_enter):
    """Keep until…: the day typed into the date field (or stepped with the arrow keys) and a
    reason; kept as chosen, or the problem shown beside the field."""
    from hubapp.domain.clock import local_today
    from hubapp.store.schema import RetentionDecision
    from hubapp.views.retention import KeepDialog

    d = KeepDialog(store, due_item, local_today())
    qtbot.addWidget(d)
    with qtbot.waitActive(d):
        d.show()
        d.activateWindow()
    before = count(store, RetentionDecision)
    kept = []
    d.kept.connect(kept.append)
    with Attempt(qtbot):
        d.until.setFocus()
        qtbot.keyClick(d.until, Qt.Key.Key_Home)
        qtbot.keyClicks(d.until, "".join(c for c in day if c.isascii() and c.isprintable()))
        key = Qt.Key.Key_Up if steps > 0 else Qt.Key.Key_Down
        for _ in range(abs(steps) % 40):
            qtbot.keyClick(d.until, key)
        enter(qtbot, d.reason, reason)
        chosen, typed = d.chosen_day(), d.reason.text()
        if by_enter:
            qtbot.keyClick(d.reason, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok),
                             Qt.MouseButton.LeftButton)  # fmt: skip
        qtbot.waitUntil(lambda: d.task is None or not d.isVisible() or d.buttons.isEnabled(),
                        timeout=20_000)  # fmt: skip
        still_usable(d)
    if not kept:
        event("refused")
        shown = [one_sentence(x) for x in (d.until_error, d.reason_error, d.error)
                 if x.isVisible()]  # fmt: skip
        assert shown and d.reason.text() == typed and d.chosen_day() == chosen
        assert count(store, RetentionDecision) == before
        return
    event("kept")
    with store.read() as s:
        row = s.scalars(select(RetentionDecision).order_by(RetentionDecision.id.desc())).first()
    assert count(store, RetentionDecision) == before + 1
    assert (row.keep_until, row.reason) == (chosen, " ".join(typed.split()))
    assert local_today() < chosen


@settings(FUZZ, max_examples=50)
@given(confirm=mostly(st.sampled_from(["car-2019-{n}", " CAR-2019-{n} ", "CAR-2019-{n}\n"]),
                     st.one_of(TEXT, st.sampled_from(["", "CAR\u20112019-{n}", "CAR-2019-0"]))),
       reason=REASONS, by_enter=st.booleans())  # fmt: skip
def test_retention_erase(qtbot, store, confirm, reason, by_enter):
    """Erase…: only the reference typed exactly and a reason erase, in the background."""
    from hubapp.store.schema import Case
    from hubapp.views.retention import EraseDialog

    n = count(store, Case) + 1
    item = _closed_case(store, n)
    d = EraseDialog(store, item)
    qtbot.addWidget(d)
    with qtbot.waitActive(d):
        d.show()
        d.activateWindow()
    erased = []
    d.erased.connect(lambda *a: erased.append(a))
    with Attempt(qtbot):
        enter(qtbot, d.typed, confirm.replace("{n}", f"{n:04d}"))
        enter(qtbot, d.reason, reason)
        typed = (d.typed.text(), d.reason.text())
        if by_enter:
            qtbot.keyClick(d.reason, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(d.erase_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not d.running(), timeout=30_000)
        still_usable(d)
    with store.read() as s:
        there = s.get(Case, item.record_id) is not None
    if not erased:
        event("refused")
        shown = [one_sentence(x) for x in (d.typed_error, d.reason_error, d.error)
                 if x.isVisible()]  # fmt: skip
        assert shown and (d.typed.text(), d.reason.text()) == typed and there
        return
    event("erased")
    assert typed[0].strip().upper() == item.reference.upper() and not there


# -- the import dialog: the file chosen, and what is in it ----------------------------------------
IMPORT_HEADING = (
    "received,hub,channel,category,location,summary,details,reporter_name,reporter_contact"
)
_FILE_NAME = mostly(
    st.text(
        st.characters(codec="utf-8", exclude_characters="/\\\x00"), min_size=1, max_size=40
    ).filter(lambda n: n not in (".", "..")),
    st.sampled_from(["reports.csv", " spaced .csv", "\u202egnp.csv", "😀.CSV"]),
)
_CELL = mostly(
    st.sampled_from(["01/05/2026", "CAR", "call_101", "Parking", "Bitts Park", "x"]),
    st.one_of(TEXT, st.just('"'), st.just('a,"b'), st.just("=cmd()")),
)


@settings(FUZZ, max_examples=50)
@given(kind=st.sampled_from(["csv", "csv", "csv", "missing", "folder", "binary", "empty"]),
       name=_FILE_NAME, rows=st.lists(st.lists(_CELL, min_size=0, max_size=10), max_size=3),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))  # fmt: skip
def test_import_dialog_file(qtbot, store, tmp_path_factory, kind, name, rows, encoding):
    """Whatever file is chosen (a name in any script, missing, a folder, not text, empty, odd
    cells): the import finishes with a plain summary, or says in a sentence why not."""
    import csv
    import io

    from hubapp.gui.exchange import import_job
    from hubapp.store.schema import Case
    from hubapp.views.import_dialog import ImportDialog

    folder = tmp_path_factory.mktemp("import")
    path = folder / name
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(IMPORT_HEADING.split(","))
        writer.writerows(rows)
        try:
            path.write_bytes(out.getvalue().encode(encoding))
        except (UnicodeEncodeError, OSError):
            path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
    elif kind == "folder":
        path.mkdir(exist_ok=True)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "empty":
        path.write_bytes(b"")
    before = count(store, Case)
    d = ImportDialog(import_job(store), path)
    qtbot.addWidget(d)
    d.show()
    done = []
    d.imported.connect(done.append)
    with Attempt(qtbot):
        d.start()
        qtbot.waitUntil(lambda: not d.running(), timeout=30_000)
        still_usable(d)
    if done:
        event("imported")
        result = done[0]
        assert count(store, Case) == before + result.imported
        assert d.summary.isVisible() and d.summary.textFormat() == Qt.TextFormat.PlainText
        assert d.summary.text().startswith("Imported ")
        assert d.rejects.rowCount() == len(result.rejected)
    else:
        event("not imported")
        assert count(store, Case) == before
        assert d.heading.text().endswith("was not imported.")
        one_sentence(d.status)


# -- the meetings page: planning, the agenda, attendance, decisions, actions --------------------
MEETING_DAY = date(2026, 6, 10)


@pytest.fixture
def meetings_page(qtbot, store):
    from casework import new_case

    from hubapp.store import lookups, setup
    from hubapp.views.meetings import MeetingsPage

    w = MeetingsPage()
    qtbot.addWidget(w)
    w.today = date(2026, 6, 1)
    w.attach(store, lookups.load(store), setup.current(store))
    w.resize(1366, 700)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    w.cases = [new_case(store, f"CAR-2026-{n:04d}") for n in range(1, 4)]
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)  # the meetings are read
    return w


@settings(FUZZ, max_examples=70)
@given(day=mostly(st.one_of(st.sampled_from(["29/02/2028", "1/1/1", "31/12/9999"]),
                            st.dates(date(2026, 1, 1), date(2030, 12, 31)).map(
                                lambda d: d.strftime("%d/%m/%Y"))), DATE_TEXT),
       time=mostly(st.sampled_from(["10:00", "", "9:30", "23:59", " 18:00"]),
                   st.one_of(st.sampled_from(["24:00", "1000", "10:0", "10:60"]), TEXT)),
       place=TEXT, chair=TEXT, by_enter=st.booleans())  # fmt: skip
def test_meetings_plan(qtbot, meetings_page, day, time, place, chair, by_enter):
    """Plan a meeting: a day, a time, a place, a chair; the page then shows it."""
    from hubapp.store.casework import meetings
    from hubapp.store.schema import Meeting
    from hubapp.views.action_dialog import parse_date

    page = meetings_page
    before = count(page.store, Meeting)
    with Attempt(qtbot):
        d = page.plan_meeting()
        enter(qtbot, d.day.edit, day)
        enter(qtbot, d.time, time)
        enter(qtbot, d.place, place)
        enter(qtbot, d.chair, chair)
        typed = (held(d.day), d.time.text(), d.place.text(), d.chair.text())
        if by_enter:
            qtbot.keyClick(d.chair, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok),
                             Qt.MouseButton.LeftButton)  # fmt: skip
        qtbot.waitUntil(lambda: d.task is None and not page.busy, timeout=10_000)  # saved
        still_usable(page)
    if d.planned is None:
        event("refused")
        shown = [one_sentence(x) for x in d.errors.values() if x.isVisible()]
        assert shown and d.isVisible()
        assert (held(d.day), d.time.text(), d.place.text(), d.chair.text()) == typed
        assert count(page.store, Meeting) == before
        d.reject()
        return
    event("planned")
    info = meetings.load_meeting(page.store, d.planned)
    assert info.meets_on == parse_date(typed[0])
    assert (info.starts_at, info.place, info.chair) == (
        clean_line(typed[1]), clean_line(typed[2])[:200], clean_line(typed[3])[:120])  # fmt: skip
    assert page.meeting is not None and page.meeting.id == d.planned
    assert not d.isVisible()


@settings(FUZZ, max_examples=80)
@given(form=st.sampled_from(["agenda", "attendance", "decision", "action"]),
       case=mostly(st.sampled_from(["CAR-2026-0001", " car-2026-0002 ", "CAR-2026-0003"]),
                   st.one_of(TEXT, st.just("CAR-2026-9999"))),
       text=mostly(SOME, TEXT), owner=mostly(SHORT, TEXT),
       due=mostly(st.sampled_from(["", "20/06/2026", "2026-06-02"]), DATE_TEXT),
       choice=st.integers(0, 12), apologies=st.booleans(), by_enter=st.booleans())  # fmt: skip
def test_meetings_forms(
    qtbot, meetings_page, form, case, text, owner, due, choice, apologies, by_enter
):
    """The meeting's own forms, one at a time, on one planned meeting."""
    from hubapp.store.casework import meetings
    from hubapp.store.casework.actions import actions_for_case_agency
    from hubapp.views.action_dialog import parse_date

    page = meetings_page
    if page.meeting is None:
        meetings.plan_meeting(page.store, page.hub_id(), MEETING_DAY)
        page.reload()
        qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    mid = page.meeting.id
    before = meetings.load_meeting(page.store, mid)
    page.tabs.setCurrentIndex(["agenda", "attendance", "decision", "action"].index(form))
    with Attempt(qtbot):
        if form == "agenda":
            page.reason_combo.setCurrentIndex(choice % page.reason_combo.count())
            enter(qtbot, page.case_ref, case)
            enter(qtbot, page.why, text)
            typed = (page.case_ref.text(), page.why.text())
            if by_enter:
                qtbot.keyClick(page.why, Qt.Key.Key_Return)
            else:
                qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
            labels = list(page.agenda_errors.values())
        elif form == "attendance":
            page.att_agency.setCurrentIndex(choice % page.att_agency.count())
            (page.att_apologies if apologies else page.att_present).setChecked(True)
            enter(qtbot, page.att_names, text)
            typed = (page.att_agency.currentData(), page.att_names.text())
            if by_enter and page.att_names.isEnabled():  # (not for apologies: no names)
                qtbot.keyClick(page.att_names, Qt.Key.Key_Return)
            else:
                qtbot.mouseClick(page.att_button, Qt.MouseButton.LeftButton)
            labels = [page.att_error]
        elif form == "decision":
            page.decision_about.setCurrentIndex(choice % page.decision_about.count())
            enter(qtbot, page.decision_text, text)
            typed = (page.decision_about.currentData(), page.decision_text.toPlainText())
            qtbot.mouseClick(page.decision_button, Qt.MouseButton.LeftButton)
            labels = [page.decision_error]
        else:
            page.action_case.setCurrentIndex(choice % max(1, page.action_case.count()))
            page.action_agency.setCurrentIndex(choice % page.action_agency.count())
            enter(qtbot, page.action_text, text)
            enter(qtbot, page.action_owner, owner)
            enter(qtbot, page.action_due.edit, due)
            typed = (page.action_case.currentData(), page.action_agency.currentData(),
                     page.action_text.text(), page.action_owner.text(), held(page.action_due))  # fmt: skip
            qtbot.mouseClick(page.action_button, Qt.MouseButton.LeftButton)
            labels = list(page.action_errors.values())
        qtbot.waitUntil(lambda: not page.busy, timeout=10_000)  # saved in the background
        still_usable(page)
    after = meetings.load_meeting(page.store, mid)
    shown = [one_sentence(x) for x in labels if x.isVisible()]
    if shown:
        event(f"{form} refused")
        assert after == before  # nothing written
        return
    event(f"{form} saved")
    said = {"agenda": " added to the agenda.", "attendance": "Attendance recorded for ",
            "decision": "Decision recorded.", "action": "Action raised for "}[form]  # fmt: skip
    assert said in page.message.text(), page.message.text()
    if form == "agenda":
        [new] = [a for a in after.agenda if a not in before.agenda]
        assert new.case_reference.upper() == typed[0].strip().upper()
        assert new.reason_text == clean_line(typed[1])
        assert (page.case_ref.text(), page.why.text()) == ("", "")
    elif form == "attendance":
        [line] = [a for a in after.attendance if a.agency_id.hex == typed[0]]
        assert line.status == ("apologies" if apologies else "present")
        assert line.attendees == ("" if apologies else clean_line(typed[1]))
    elif form == "decision":
        [new] = [x for x in after.decisions if x not in before.decisions]
        assert new.text == clean_text(typed[1])
        assert (new.case_id.hex if new.case_id else None) == (typed[0] or None)
    else:
        import uuid

        lines = actions_for_case_agency(page.store, uuid.UUID(hex=typed[0]),
                                        uuid.UUID(hex=typed[1]), page._today())  # fmt: skip
        newest = max(lines, key=lambda x: x.created_at) if hasattr(lines[0], "created_at") \
            else lines[-1]  # fmt: skip
        assert (newest.description, newest.owner, newest.due_on) == (
            clean_text(typed[2]), clean_line(typed[3]), parse_date(typed[4]))  # fmt: skip


# -- the case window: the summary's editable fields, and notes ------------------------------------
@pytest.fixture
def case_window(qtbot, store):
    from casework import new_case

    from hubapp.views.case_view import CaseWindow

    w = CaseWindow(store, new_case(store, summary="Youths <b>on bikes</b> in Bitts Park"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def _idle(qtbot, button) -> None:
    qtbot.waitUntil(button.isEnabled, timeout=20_000)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(20_000)
    QApplication.processEvents()


@settings(FUZZ, max_examples=80)
@given(summary=mostly(SOME, TEXT), details=TEXT, location=mostly(SHORT, TEXT),
       town=mostly(SHORT, TEXT), postcode=mostly(st.sampled_from(["ca1 1aa", "", "  la9 4pb  "]),
                                                  TEXT),
       police=mostly(SHORT, TEXT), council=mostly(SHORT, TEXT),
       combos=st.tuples(*[st.integers(0, 5)] * 3),
       review=mostly(st.none(), st.tuples(st.integers(-800, 800),
                                          st.text("0123456789/", max_size=10))),
       by_keys=st.booleans())  # fmt: skip
def test_case_window_summary(
    qtbot,
    case_window,
    summary,
    details,
    location,
    town,
    postcode,
    police,
    council,
    combos,
    review,
    by_keys,
):
    """The case's summary, details, place, references, risk, priority, stage and next review:
    saved as the documented tidying says, or refused beside the field with nothing written."""
    from hubapp.store.schema import Case

    w = case_window
    w.tabs.setCurrentIndex(0)
    with w.store.read() as s:
        before = s.get(Case, w.case_id).row_version
    with Attempt(qtbot):
        for widget, text in ((w.summary_edit, summary), (w.details_edit, details),
                             (w.location_edit, location), (w.town_edit, town),
                             (w.postcode_edit, postcode), (w.police_ref_edit, police),
                             (w.council_ref_edit, council)):  # fmt: skip
            enter(qtbot, widget, text)
        for combo, n in zip((w.risk_combo, w.priority_combo, w.stage_combo), combos, strict=True):
            combo.setFocus()
            qtbot.keyClick(combo, Qt.Key.Key_Home)
            for _ in range(n):
                qtbot.keyClick(combo, Qt.Key.Key_Down)
        if w.review_check.isChecked() != (review is not None):
            w.review_check.setFocus()
            qtbot.keyClick(w.review_check, Qt.Key.Key_Space)
        if review is not None:
            w.review_date.setFocus()
            qtbot.keyClick(w.review_date, Qt.Key.Key_Home)
            qtbot.keyClicks(w.review_date, review[1])
            key = Qt.Key.Key_Up if review[0] > 0 else Qt.Key.Key_Down
            for _ in range(abs(review[0]) % 30):
                qtbot.keyClick(w.review_date, key)
        texts = _texts(w.summary_draft())
        if by_keys:
            qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_S,
                           Qt.KeyboardModifier.ControlModifier)  # fmt: skip
        else:
            qtbot.mouseClick(w.summary_save, Qt.MouseButton.LeftButton)
        _idle(qtbot, w.summary_save)
        still_usable(w)
    # nothing typed is lost, saved or not (the review date is left out: Qt settles a date
    # typed in part when its field lets go of the focus, before the save reads it)
    draft = w.summary_draft()
    assert _texts(draft) == texts
    shown = [one_sentence(x) for x in w._problems.values() if x.isVisible()]
    with w.store.read() as s:
        case = s.get(Case, w.case_id)
        if shown:
            event("refused")
            assert case.row_version == before
            return
        event("saved")
        clean = draft.cleaned()
        assert w.message.text() in ("Changes saved.", "Saving…"), w.message.text()
        assert (case.summary, case.details, case.location, case.town, case.postcode,
                case.police_log_ref, case.council_ref) == (
            clean.summary, clean.details, clean.location, clean.town, clean.postcode,
            clean.police_log_ref, clean.council_ref)  # fmt: skip
        assert (case.risk_level, case.priority, case.sara_stage, case.next_review_on) == (
            clean.risk_level, clean.priority, clean.sara_stage, clean.next_review_on)  # fmt: skip


def _texts(draft) -> tuple:
    return (draft.summary, draft.details, draft.location, draft.town, draft.postcode,
            draft.police_log_ref, draft.council_ref, draft.risk_level, draft.priority,
            draft.sara_stage)  # fmt: skip


@settings(FUZZ, max_examples=60)
@given(body=mostly(SOME, TEXT), visibility=st.integers(0, 3), agency=st.integers(0, 12))
def test_case_window_note(qtbot, case_window, body, visibility, agency):
    """A note: kept as typed (control characters out, ends trimmed), or refused beside it."""
    from hubapp.store.schema import Note

    w = case_window
    w.tabs.setCurrentIndex(next(i for i in range(w.tabs.count())
                                if w.tabs.widget(i).isAncestorOf(w.note_edit)))  # fmt: skip
    before = count(w.store, Note)
    with Attempt(qtbot):
        w.note_visibility.setCurrentIndex(visibility % w.note_visibility.count())
        if w.note_agency.count():
            w.note_agency.setCurrentIndex(agency % w.note_agency.count())
        enter(qtbot, w.note_edit, body)
        typed = w.note_edit.toPlainText()
        vis, ag = w.note_visibility.currentData(), w.note_agency.currentData()
        qtbot.mouseClick(w.note_button, Qt.MouseButton.LeftButton)
        _idle(qtbot, w.note_button)
        still_usable(w)
    shown = [one_sentence(w._problems[k]) for k in ("body", "agency", "visibility")
             if k in w._problems and w._problems[k].isVisible()]  # fmt: skip
    if shown:
        event("refused")
        assert count(w.store, Note) == before and w.note_edit.toPlainText() == typed
        return
    event("added")
    assert count(w.store, Note) == before + 1
    with w.store.read() as s:
        note = s.scalars(select(Note).order_by(Note.created_at.desc())).first()
    assert (note.body, note.visibility) == (clean_text(typed), vis)
    assert (note.agency_id.hex if note.agency_id else None) == (
        ag.hex if hasattr(ag, "hex") else ag
    )
    assert w.note_edit.toPlainText() == ""


# -- regressions: what the generated input found ------------------------------------------------
def test_a_reference_too_long_is_told_beside_it(qtbot, case_window):
    """Found by the fuzzing: a police log or council reference over 40 characters was refused
    with "Too long: at most 40 characters." in the message bar only, beside no field and
    naming none."""
    from hubapp.store.schema import Case

    w = case_window
    enter(qtbot, w.council_ref_edit, "0" * 41)
    enter(qtbot, w.police_ref_edit, "CR/1234/26")
    qtbot.mouseClick(w.summary_save, Qt.MouseButton.LeftButton)
    _idle(qtbot, w.summary_save)
    assert one_sentence(w._problems["council_ref"]) == (
        "The council reference is too long: at most 40 characters.")  # fmt: skip
    assert not w._problems["police_log_ref"].isVisible()
    assert w.council_ref_edit.text() == "0" * 41
    with w.store.read() as s:
        assert s.get(Case, w.case_id).council_ref != "0" * 41


def test_names_pasted_on_two_lines_are_kept_as_one(qtbot, meetings_page):
    """Found by the fuzzing: names pasted with a line break into the one-line attendance
    field were stored with the line break (so were the agenda's reasons)."""
    from hubapp.store.casework import meetings

    page = meetings_page
    meetings.plan_meeting(page.store, page.hub_id(), MEETING_DAY)
    page.reload()
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)  # the meeting is read
    page.tabs.setCurrentIndex(1)
    page.att_present.setChecked(True)
    enter(qtbot, page.att_names, "PC Amy Hart\nPCSO Tom Reed ")
    assert page.att_names.text() == "PC Amy Hart\nPCSO Tom Reed "
    qtbot.keyClick(page.att_names, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)  # saved in the background
    info = meetings.load_meeting(page.store, page.meeting.id)
    assert [a.attendees for a in info.attendance] == ["PC Amy Hart PCSO Tom Reed"]
    page.tabs.setCurrentIndex(0)
    enter(qtbot, page.case_ref, "CAR-2026-0001")
    enter(qtbot, page.why, "Repeat\r\nreports ")
    qtbot.keyClick(page.why, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    info = meetings.load_meeting(page.store, page.meeting.id)
    assert [a.reason_text for a in info.agenda] == ["Repeat reports"]


def test_an_address_with_a_bare_at_in_it_is_refused(qtbot, central_dialog):
    """Found by the fuzzing: with an @ not written %40 in the role
    (postgresql://p@ss:secret@host/hub), the address was saved "without its password" cut at
    the first @, so the password was kept in the database and shown on screen."""
    from hubapp.sync import credentials

    d = central_dialog
    enter(qtbot, d.address, "postgresql://p@ss:secret@127.0.0.1:1/hubapp")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    assert one_sentence(d.problem) == AT_PROBLEM
    assert d.test_button.isEnabled() and d.answer.text() == ""  # nothing was tried
    assert credentials.saved_address(d.store) is None
    assert d.address.text() == "postgresql://p@ss:secret@127.0.0.1:1/hubapp"
    # written as the dialog asks, it is saved without the password
    enter(qtbot, d.address, "postgresql://p%40ss:secret@127.0.0.1:1/hubapp")
    with qtbot.waitSignal(d.answered, timeout=20_000):
        qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    assert credentials.saved_address(d.store) == "postgresql://p%40ss@127.0.0.1:1/hubapp"


@settings(FUZZ, max_examples=50)
@given(target=st.integers(0, 5), outcome=st.integers(0, 9), rationale=mostly(SOME, TEXT),
       reason=mostly(SHORT, TEXT))  # fmt: skip
def test_case_window_status(qtbot, case_window, target, outcome, rationale, reason):
    """Moving the case on (closing needs an outcome and a rationale; reopening a reason): the
    status changes as chosen, or the problem is shown beside the field and nothing changes."""
    from hubapp.store.schema import Case

    w = case_window
    w.tabs.setCurrentIndex(0)
    with w.store.read() as s:
        before = (s.get(Case, w.case_id).status, s.get(Case, w.case_id).row_version)
    with Attempt(qtbot):
        w.status_target.setCurrentIndex(target % max(1, w.status_target.count()))
        if w.outcome_combo.isVisibleTo(w):
            w.outcome_combo.setCurrentIndex(outcome % w.outcome_combo.count())
            enter(qtbot, w.rationale_edit, rationale)
        enter(qtbot, w.reason_edit, reason)
        chosen = w.status_target.currentData()
        typed = (w.rationale_edit.toPlainText(), w.reason_edit.text())
        qtbot.mouseClick(w.status_button, Qt.MouseButton.LeftButton)
        _idle(qtbot, w.status_button)
        still_usable(w)
    shown = [one_sentence(w._problems[k]) for k in ("status", "outcome", "rationale", "reason")
             if w._problems[k].isVisible()]  # fmt: skip
    with w.store.read() as s:
        case = s.get(Case, w.case_id)
        after = (case.status, case.row_version)
    if shown:
        event("refused")
        assert after == before
        assert (w.rationale_edit.toPlainText(), w.reason_edit.text()) == typed
        return
    event(f"moved to {chosen}")
    assert case.status == chosen and after[1] > before[1]
    assert w.message.text().startswith("Status changed to ")


@settings(FUZZ, max_examples=40)
@given(typed=st.one_of(st.integers(-10_000, 10_000).map(str),
                       st.sampled_from(["0", "1", "240", "241", "", "-", "1e3", "٣٠", " 15 "]),
                       SHORT),
       steps=st.integers(-300, 300))  # fmt: skip
def test_accounts_idle_minutes(qtbot, accounts_dialog, typed, steps):
    """The idle lock's minutes: a number typed or stepped (out of range included) is kept
    within 1-240 by the field and saved as shown."""
    from hubapp.store import accounts

    d = accounts_dialog
    with Attempt(qtbot):
        d.idle_minutes.setFocus()
        d.idle_minutes.selectAll()
        qtbot.keyClicks(
            d.idle_minutes, "".join(c for c in typed if c.isascii() and c.isprintable())
        )
        key = Qt.Key.Key_Up if steps > 0 else Qt.Key.Key_Down
        for _ in range(abs(steps) % 25):
            qtbot.keyClick(d.idle_minutes, key)
        qtbot.mouseClick(d.idle_button, Qt.MouseButton.LeftButton)
        shown = d.idle_minutes.value()
        qtbot.waitUntil(lambda: not d.busy, timeout=10_000)  # saved in the background
        still_usable(d)
    assert accounts.IDLE_MIN <= shown <= accounts.IDLE_MAX
    assert d.idle_message.text() == "Saved."
    assert accounts.idle_lock_minutes(d.store) == shown
