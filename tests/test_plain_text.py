"""User text is text: every window and dialog of the app, opened on data whose every free
text looks like HTML, must show that text literally (pytest-qt, real SQLite).

What the person sees is read back the way Qt renders it: a label's text as is when it is
plain text (or holds nothing Qt would take for markup), otherwise through QTextDocument's
HTML reader; text panes through ``toPlainText()``; item views through their DisplayRole
(their default delegates paint plain text; the assignment grid's paints with drawText).
Wherever a marker word of the hostile text shows, the markup around it must show too.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from casework import agency_id, controlled_window, hub_id, new_case
from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from hubapp.store.schema import (
    Action,
    AgendaItem,
    Assignment,
    CasePerson,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Note,
    Person,
)

#: marker word -> the text around it that must show literally wherever the marker shows
HOSTILE = {
    "Zedloc": "<b>Zedloc</b>",
    "Zedsum": "<i>Zedsum</i>",
    "Yakdet": '<img src="file:///etc/passwd">Yakdet',
    "Zedperson": "<b>Zedperson",
    "Yaknote": "<img src=x>Yaknote",
    "Zedact": "<u>Zedact</u>",
    "Zedowner": "<s>Zedowner</s>",
    "Zedreason": "<h1>Zedreason</h1>",
    "Zeddecision": "<a href='x'>Zeddecision</a>",
    "Zedchair": "<font color=red>Zedchair",
    "Zedfile": "<b>Zedfile",
}


@pytest.fixture
def hostile(store):
    """A case whose every free text looks like markup, with a person, note, action and a
    meeting with it on the agenda."""
    case = new_case(store, "CAR-2026-0042", summary="<i>Zedsum</i> & co",
                    location="<b>Zedloc</b>", town="Carlisle",
                    details='<img src="file:///etc/passwd">Yakdet', status="in_progress")  # fmt: skip
    police = agency_id(store, "POLICE")
    with store.write(reason="hostile data") as s:
        person = Person(id=uuid.uuid4(), full_name="<b>Zedperson</b> Smith", phone="07700 900123")
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=person.id, role="victim"))
        s.add(Assignment(id=uuid.uuid4(), case_id=case, agency_id=police, role="lead"))
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC <i>Dunmore</i>", agency_id=police,
                   body="<img src=x>Yaknote"))  # fmt: skip
        s.add(Action(id=uuid.uuid4(), case_id=case, agency_id=police,
                     owner="<s>Zedowner</s>", description="<u>Zedact</u>",
                     due_on=date.today() - timedelta(days=2)))  # fmt: skip
        meeting = Meeting(id=uuid.uuid4(), hub_id=hub_id(store, "CAR"),
                          meets_on=date.today() + timedelta(days=7), starts_at="10:00",
                          place="Civic Centre", chair="<font color=red>Zedchair")  # fmt: skip
        s.add(meeting)
        s.flush()
        s.add(AgendaItem(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case,
                         reason="priority_area", reason_text="<h1>Zedreason</h1>"))  # fmt: skip
        s.add(MeetingAttendance(id=uuid.uuid4(), meeting_id=meeting.id, agency_id=police,
                                attendees="<b>Zedperson</b> too"))  # fmt: skip
        s.add(MeetingDecision(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case,
                              text="<a href='x'>Zeddecision</a>"))  # fmt: skip
    return case


def shown(widget: QWidget) -> str:
    """The text a person sees in ``widget``."""
    if isinstance(widget, QLabel):
        text = widget.text()
        fmt = widget.textFormat()
        if fmt == Qt.TextFormat.PlainText or (
            fmt == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(text)
        ):
            return text
        if fmt == Qt.TextFormat.MarkdownText:
            doc = QTextDocument()
            doc.setMarkdown(text)
            return doc.toPlainText()
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QLineEdit):  # plain text by nature: what was typed, as typed
        return widget.text()
    if isinstance(widget, QAbstractButton):  # plain text ("&" marks the Alt key)
        return widget.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    return ""


def view_texts(view: QAbstractItemView, limit: int = 200) -> list[str]:
    model = view.model()
    if model is None:
        return []
    out = []
    root = QModelIndex()
    try:
        columns = model.columnCount(root)
    except TypeError:  # a list model (a combo box's popup) keeps it private: one column
        columns = 1
    for row in range(min(model.rowCount(root), limit)):
        for column in range(columns):
            value = model.index(row, column).data(Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                out.append(value)
    return out


def problems_in(root: QWidget) -> list[str]:
    """Every place under ``root`` where a hostile text shows other than literally."""
    found = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        texts = view_texts(w) if isinstance(w, QAbstractItemView) else [shown(w)]
        for text in texts:
            for marker, literal in HOSTILE.items():
                if marker in text and literal not in text:
                    found.append(f"{type(w).__name__} {w.objectName()!r}: {text[:120]!r}")
    return found


def seen(root: QWidget) -> set[str]:
    """The marker words that show anywhere under ``root`` (so the test cannot pass by
    showing nothing)."""
    words = set()
    for w in [root, *root.findChildren(QWidget)]:
        texts = view_texts(w) if isinstance(w, QAbstractItemView) else [shown(w)]
        for text in texts:
            words |= {m for m in HOSTILE if m in text}
    return words


@pytest.fixture
def app_window(qtbot, store, hostile):

    window, controller = controlled_window(qtbot, store, attach=True)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    return window, controller


def test_the_main_window_list_and_detail_pane(qtbot, app_window):
    window, _controller = app_window
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "Zedsum" in window.detail.browser.toPlainText(), timeout=10_000)
    assert {"Zedsum", "Zedloc", "Yakdet"} <= seen(window)
    assert problems_in(window) == []


def test_the_pages_grid_agency_actions_and_meetings(qtbot, app_window, store):
    window, _controller = app_window
    window.show_grid()
    qtbot.waitUntil(lambda: window.grid_page.model.rowCount() > 0, timeout=10_000)
    window.show_agency_actions()
    window.agency_actions_page.choose_agency(agency_id(store, "POLICE"))
    qtbot.waitUntil(lambda: window.agency_actions_page.model.rowCount() > 0, timeout=10_000)
    assert "Zedact" in seen(window.agency_actions_page)
    window.show_meetings()
    page = window.meetings_page
    qtbot.waitUntil(lambda: "Zedreason" in seen(page), timeout=10_000)
    assert problems_in(window) == []


def test_the_case_window_on_every_tab(qtbot, app_window, hostile):
    _window, controller = app_window
    w = controller.open_case(hostile)
    qtbot.waitUntil(lambda: w.view is not None, timeout=10_000)
    words = set()
    for i in range(w.tabs.count()):
        w.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        words |= seen(w)
        assert problems_in(w) == [], w.tabs.tabText(i)
    assert {"Zedsum", "Zedloc", "Yakdet", "Zedperson", "Yaknote", "Zedact"} <= words
    w.close()


def test_intake_action_print_and_audit_dialogs(qtbot, app_window, hostile, store):
    from hubapp.store.intake import drafts
    from hubapp.store.intake.form import IntakeForm
    from hubapp.views.action_dialog import ActionDialog
    from hubapp.views.audit_viewer import AuditViewer
    from hubapp.views.drafts_dialog import DraftsDialog

    window, controller = app_window
    drafts.write(store, IntakeForm(summary="<i>Zedsum</i> draft", location="<b>Zedloc</b>"))
    intake = controller.new_issue(IntakeForm(summary="<i>Zedsum</i>", location="<b>Zedloc</b>"))
    QApplication.processEvents()
    assert {"Zedsum", "Zedloc"} <= seen(intake)
    assert problems_in(intake) == []
    intake._closing = True
    intake.close()

    dialog = DraftsDialog(store, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Zedsum" in seen(dialog), timeout=10_000)
    assert problems_in(dialog) == []
    dialog.close()

    action = ActionDialog(store, hostile, agency_id(store, "POLICE"), window)
    qtbot.addWidget(action)
    action.show()
    qtbot.waitUntil(lambda: "Zedact" in seen(action), timeout=10_000)
    assert problems_in(action) == []
    action.close()

    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.selected_case() is not None, timeout=10_000)
    printing = controller.print_documents()
    QApplication.processEvents()
    assert problems_in(printing) == []
    printing.close()

    viewer = AuditViewer(store, window)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.model.rowCount() > 0, timeout=10_000)
    viewer.text.setText("<b>Zedloc</b>")
    viewer.search()
    qtbot.waitUntil(lambda: viewer.status.text() == "No entry matches.", timeout=10_000)
    assert "Zedloc" in seen(viewer)  # the words searched for
    assert problems_in(viewer) == []
    viewer.close()


def test_import_export_conflicts_and_message_boxes(qtbot, app_window, store, tmp_path):
    from hubapp.gui.exchange import export_cases_job, import_job
    from hubapp.views.export_dialog import ExportDialog
    from hubapp.views.import_dialog import ImportDialog
    from hubapp.views.sync_conflicts import ConflictsDialog

    window, controller = app_window
    bad = tmp_path / "<b>Zedfile.csv"
    bad.write_text("received,hub,channel,category,summary\n"
                   "01/11/2026,Carlisle,<i>Zedsum</i>,asb,x\n", encoding="utf-8")  # fmt: skip
    importing = ImportDialog(import_job(store), bad, window)
    qtbot.addWidget(importing)
    importing.show()
    importing.start()
    qtbot.waitUntil(lambda: not importing.running(), timeout=20_000)
    QApplication.processEvents()
    assert {"Zedfile", "Zedsum"} <= seen(importing)  # the file and the rejected value
    assert problems_in(importing) == []
    importing.close()

    exporting = ExportDialog(export_cases_job(store), None, "<b>Zedloc</b>", window)
    qtbot.addWidget(exporting)
    exporting.show()
    assert "Zedloc" in seen(exporting)  # the hub name on the check box
    assert problems_in(exporting) == []
    exporting.close()

    conflicts = ConflictsDialog(store, controller.db.station.station_id, window)
    qtbot.addWidget(conflicts)
    conflicts.show()
    qtbot.waitUntil(lambda: conflicts.model is not None, timeout=5_000)
    assert problems_in(conflicts) == []
    conflicts.close()

    # the app's message boxes: any open ones must show user text literally too
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox) and box.isVisible():
            assert problems_in(box) == []
            box.close()


def test_the_checker_itself_catches_rich_text(qtbot):
    label = QLabel("Case <b>Zedloc</b>")
    qtbot.addWidget(label)
    assert problems_in(label)  # AutoText: Qt would show it bold, the markup gone
    label.setTextFormat(Qt.TextFormat.PlainText)
    assert problems_in(label) == []
    escaped = QLabel("Case &lt;b&gt;Zedloc&lt;/b&gt; <br>")
    escaped.setTextFormat(Qt.TextFormat.RichText)
    qtbot.addWidget(escaped)
    assert problems_in(escaped) == [] and seen(escaped) == {"Zedloc"}


def test_an_error_naming_a_file_shows_the_name_literally(qtbot):
    from PySide6.QtCore import QTimer

    from hubapp.gui import show_error

    found = {}

    def look() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())  # fmt: skip
        found["words"], found["problems"] = seen(box), problems_in(box)
        box.close()

    QTimer.singleShot(0, look)
    show_error(None, "/home/pc/<b>Zedfile.sqlite3 is damaged or not a hubapp database.")
    assert found == {"words": {"Zedfile"}, "problems": []}


def test_the_risk_and_plan_meeting_dialogs(qtbot, store):
    from hubapp.views.meetings import PlanMeetingDialog
    from hubapp.views.risk_dialog import RiskDialog

    risk = RiskDialog("<b>Zedperson</b> Smith")
    qtbot.addWidget(risk)
    risk.show()
    assert "Zedperson" in seen(risk) and problems_in(risk) == []
    plan = PlanMeetingDialog(store, hub_id(store, "CAR"), "Carlisle", "<b>Zedloc</b>")
    qtbot.addWidget(plan)
    plan.show()
    assert "Zedloc" in seen(plan) and problems_in(plan) == []
