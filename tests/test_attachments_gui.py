"""The case window's Attachments tab (issue 18), driven with pytest-qt on a real database:
drag and drop, the clipboard, the viewer, opening in another program, removing; its model
checked with the model tester."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from casework import STAFF_PASSWORD, new_case, staff_database
from PIL import Image
from PySide6.QtCore import QMimeData, QObject, Qt, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from hubapp.models.attachments import AttachmentListModel
from hubapp.store import accounts
from hubapp.store.casework import attachments
from hubapp.store.database import open_store
from hubapp.store.schema import Attachment, AuditEntry
from hubapp.views.case_view import CaseWindow


def _jpeg(colour="red", size=(120, 80), gps=True) -> bytes:
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (54.0, 53.0, 30.0), 3: "W", 4: (2.0, 56.0, 10.0)}
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 700, "Acceptable Behaviour Contract")
    c.showPage()
    c.save()
    return out.getvalue()


def open_tab(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.attachments_page.loaded, timeout=15_000):
        w.show()
    w.tabs.setCurrentIndex(w.attachments_tab)
    return w


def _settle(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=15_000)


def _count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.voided.is_(False)))  # fmt: skip


def _drop(widget, paths: list[Path]) -> bool:
    """Drag ``paths`` from a file manager onto ``widget`` and let go: whether the drag was
    accepted."""
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at = widget.rect().center()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, md, buttons, mods)
    QApplication.sendEvent(widget, enter)
    QApplication.sendEvent(widget, QDragMoveEvent(at, Qt.DropAction.CopyAction, md, buttons, mods))
    QApplication.sendEvent(widget, QDropEvent(at.toPointF(), Qt.DropAction.CopyAction, md,
                                              buttons, mods))  # fmt: skip
    return enter.isAccepted()


def _accept_dialog(qtbot, page, title: str | None = None, kind: str | None = None) -> None:
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    d = page.dialog
    if title is not None:
        d.title.setText(title)
    if kind is not None:
        d.kind.setCurrentIndex(d.kind.findData(kind))
    d.ok_button.click()


def test_the_model_passes_the_model_tester(qapp, qtmodeltester, store):
    case_id = new_case(store)
    attachments.add_bytes(store, case_id, _jpeg(), "a.jpg", title="A <b>photo</b>")
    attachments.add_bytes(store, case_id, b"%PDF-1.4 x", "b.pdf")
    attachments.make_thumbnails(store, case_id)
    model = AttachmentListModel()
    model.set_lines(attachments.for_case(store, case_id))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    titles = {model.index(r, 0).data() for r in range(2)}
    assert titles == {"A <b>photo</b>", "b"}, "markup in a title is text"
    for r in range(2):
        image = model.index(r, 0).data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(image, QImage) and not image.isNull()


def test_dropping_a_photo_adds_it_without_its_location(qtbot, store, tmp_path):
    case_id = new_case(store)
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(_jpeg())
    w = open_tab(qtbot, store, case_id)
    page = w.attachments_page
    assert _drop(page.grid.viewport(), [photo])
    _accept_dialog(qtbot, page, title="Fly-tipping <i>behind</i> the garages", kind="evidence")
    with qtbot.waitSignal(page.loaded, timeout=15_000):
        pass
    _settle(qtbot, page)
    assert "Location data removed from the photo." in page.message.text()
    assert page.model.rowCount() == 1
    line = page.model.line(0)
    assert (line.title, line.kind) == ("Fly-tipping <i>behind</i> the garages", "evidence")
    with store.read() as s:
        from hubapp.store.casework import attachment_content as content

        data = b"".join(content.iter_chunks(s, s.get(Attachment, line.id)))
    with Image.open(io.BytesIO(data)) as im:
        assert not im.getexif().get_ifd(0x8825)
    # the thumbnail was made in the background and shows
    qtbot.waitUntil(lambda: attachments.thumbnail(store, line.id) is not None, timeout=10_000)


def test_a_forged_picture_dropped_is_refused_in_the_message_line(qtbot, store, tmp_path):
    case_id = new_case(store)
    fake = tmp_path / "photo.jpg"
    fake.write_text("not a photo")
    w = open_tab(qtbot, store, case_id)
    page = w.attachments_page
    _drop(page.grid.viewport(), [fake])
    _accept_dialog(qtbot, page)
    qtbot.waitUntil(lambda: "named as a picture" in page.message.text(), timeout=15_000)
    assert (
        page.message.text()
        == "'photo.jpg' is named as a picture but is not one; nothing was added."
    )
    _settle(qtbot, page)
    assert _count(store) == 0 and page.model.rowCount() == 0


def test_pasting_a_picture_from_the_clipboard_adds_it(qtbot, store):
    case_id = new_case(store)
    w = open_tab(qtbot, store, case_id)
    page = w.attachments_page
    image = QImage(64, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    QGuiApplication.clipboard().setImage(image)
    page.grid.setFocus()
    qtbot.waitUntil(page.grid.hasFocus)
    qtbot.keyClick(page.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    _accept_dialog(qtbot, page, title="Screenshot of the Facebook post")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=15_000)
    line = page.model.line(0)
    assert line.title == "Screenshot of the Facebook post" and line.media_type == "image/png"
    assert line.kind == "photo"


def test_an_empty_clipboard_is_said(qtbot, store):
    case_id = new_case(store)
    page = open_tab(qtbot, store, case_id).attachments_page
    QGuiApplication.clipboard().setText("just words")
    page.paste()
    assert page.message.text() == "The clipboard holds no picture to paste."
    assert page.dialog is None


def test_the_same_file_twice_is_asked_about(qtbot, store, tmp_path):
    case_id = new_case(store)
    f = tmp_path / "abc.pdf"
    f.write_bytes(_pdf())
    attachments.add_file(store, case_id, f, title="Signed ABC")
    page = open_tab(qtbot, store, case_id).attachments_page
    page.add_paths([f])
    _accept_dialog(qtbot, page)
    qtbot.waitUntil(lambda: page.question is not None, timeout=15_000)
    assert "already on this case as 'Signed ABC'" in page.question.text()
    page.question.button(QMessageBox.StandardButton.No).click()
    _settle(qtbot, page)
    assert _count(store) == 1
    page.add_paths([f])
    _accept_dialog(qtbot, page)
    qtbot.waitUntil(lambda: page.question is not None, timeout=15_000)
    page.question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: _count(store) == 2, timeout=15_000)


def test_adding_shows_progress_and_cancel_keeps_nothing(qtbot, store, tmp_path):
    case_id = new_case(store)
    big = tmp_path / "cctv.mp4"
    big.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(8 * 1024 * 1024))
    page = open_tab(qtbot, store, case_id).attachments_page
    page.add_paths([big])
    _accept_dialog(qtbot, page)
    assert page.progress.isVisible() and page.cancel_button.isVisible()
    page.cancel_button.click()
    _settle(qtbot, page)
    assert not page.progress.isVisible()
    assert _count(store) == 0 or page.model.rowCount() == 1  # the cancel may come after the end
    if _count(store) == 0:
        assert page.message.text().startswith("Cancelled")


def test_double_click_shows_a_picture_with_zoom_and_a_pdf_in_the_preview(qtbot, store):
    case_id = new_case(store)
    attachments.add_bytes(store, case_id, _jpeg(size=(2000, 1500), gps=False), "big.jpg")
    attachments.add_bytes(store, case_id, _pdf(), "abc.pdf", title="ABC")
    page = open_tab(qtbot, store, case_id).attachments_page
    _settle(qtbot, page)
    rows = {page.model.line(r).file_name: r for r in range(page.model.rowCount())}
    ix = page.model.index(rows["big.jpg"], 0)
    page.grid.scrollTo(ix)
    qtbot.waitUntil(lambda: page.grid.visualRect(ix).isValid())
    rect = page.grid.visualRect(ix)
    # a double-click is a click, then the second press
    qtbot.mouseClick(page.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = page.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15_000)
    assert viewer.image is not None, viewer.status.text()
    fitted = viewer.picture.pixmap().width()
    assert 0 < fitted < 2000, "fitted to the window"
    viewer.zoom_by(1.25)
    assert viewer.picture.pixmap().width() > fitted
    viewer.fit()
    assert viewer.picture.pixmap().width() == fitted
    viewer.close()
    with store.read() as s:
        assert s.scalars(select(AuditEntry.kind).where(AuditEntry.entity == "attachment")
                         .order_by(AuditEntry.id.desc())).first() == "consultation"  # fmt: skip
    page.open_selected(rows["abc.pdf"])
    pdf_viewer = page.viewer
    qtbot.waitUntil(lambda: not pdf_viewer.busy, timeout=15_000)
    assert pdf_viewer.preview is not None and len(pdf_viewer.preview.pages) == 1
    qtbot.waitUntil(lambda: pdf_viewer.preview.rendered_pages() == [0], timeout=15_000)
    pdf_viewer.close()


class _Catcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def catcher(monkeypatch, tmp_path):
    """The desktop's handler of file addresses: what hubapp hands to another program."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir(mode=0o700)
    c = _Catcher()
    QDesktopServices.setUrlHandler("file", c, "open")
    yield c
    QDesktopServices.unsetUrlHandler("file")


def test_open_in_another_program_warns_then_makes_an_owner_only_copy(qtbot, store, catcher):
    case_id = new_case(store)
    attachments.add_bytes(store, case_id, b"From: a@b\nTo: c@d\nSubject: noise\nDate: Mon\n\nhi",
                          "complaint.eml")  # fmt: skip
    page = open_tab(qtbot, store, case_id).attachments_page
    page.grid.setCurrentIndex(page.model.index(0, 0))
    page.external_button.click()
    qtbot.waitUntil(lambda: page.question is not None)
    assert "not a picture or a PDF" in page.question.text()
    page.question.button(QMessageBox.StandardButton.Open).click()
    qtbot.waitUntil(lambda: bool(catcher.urls), timeout=15_000)
    path = Path(catcher.urls[0].toLocalFile())
    assert path.name == "complaint.eml" and path.read_bytes().startswith(b"From: a@b")
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    from hubapp import open_copies

    open_copies.remove_mine()
    assert not path.exists()


def test_a_program_is_never_opened(qtbot, store, catcher):
    case_id = new_case(store)
    attachments.add_bytes(store, case_id, b"MZ" + b"\x00" * 200, "invoice.pdf.exe")
    page = open_tab(qtbot, store, case_id).attachments_page
    page.grid.setCurrentIndex(page.model.index(0, 0))
    page.external_button.click()
    assert "is a program or a script; hubapp never opens one" in page.message.text()
    assert page.question is None and catcher.urls == []


def test_save_a_copy_and_remove_from_case(qtbot, store, tmp_path):
    case_id = new_case(store)
    attachments.add_bytes(store, case_id, _pdf(), "abc.pdf", title="ABC")
    page = open_tab(qtbot, store, case_id).attachments_page
    page.grid.setCurrentIndex(page.model.index(0, 0))
    out = tmp_path / "copy.pdf"
    page.save_copy(out)
    qtbot.waitUntil(lambda: out.exists(), timeout=15_000)
    assert out.read_bytes().startswith(b"%PDF")
    page.remove_button.click()
    qtbot.waitUntil(lambda: page.question is not None)
    page.question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=15_000)
    assert _count(store) == 0


def test_read_only_staff_see_no_add_remove_or_copy_controls(qtbot, tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        with store.read() as s:
            from hubapp.store.schema import Case

            case_id = s.scalars(select(Case.id).order_by(Case.seq)).first()
        attachments.add_bytes(store, case_id, _pdf(), "abc.pdf")
        accounts.sign_in(store, "rory", STAFF_PASSWORD)
        page = open_tab(qtbot, store, case_id).attachments_page
        _settle(qtbot, page)
        for b in (page.add_button, page.paste_button, page.remove_button, page.external_button,
                  page.save_button):  # fmt: skip
            assert not b.isVisible(), b.objectName()
        assert page.view_button.isVisible()
        f = tmp_path / "x.pdf"
        f.write_bytes(b"%PDF-1.4 x")
        assert not _drop(page.grid.viewport(), [f])
        page.paste()
        assert page.dialog is None and _count(store) == 1
    finally:
        store.close()


def test_the_tab_is_in_the_case_window(qtbot, store):
    case_id = new_case(store)
    w = open_tab(qtbot, store, case_id)
    assert w.tabs.tabText(w.attachments_tab).replace("&", "") == "Attachments"
    assert w.tabs.widget(w.attachments_tab) is w.attachments_page


def test_the_tabs_buttons_take_letters_no_tab_of_the_window_takes(qtbot, store):
    """Alt+letter on the Attachments page reaches one control: its buttons' letters are none
    of the case window's tabs' (a shared letter only moves the focus between the two)."""
    import re

    from PySide6.QtWidgets import QPushButton

    w = open_tab(qtbot, store, new_case(store))
    bar = w.tabs.tabBar()

    def letter(text: str) -> str | None:
        found = re.search(r"&([^&])", text.replace("&&", ""))
        return found.group(1).lower() if found else None

    tabs = {letter(bar.tabText(i)) for i in range(bar.count())} - {None}
    assert len(tabs) == bar.count(), "two tabs share a letter"
    buttons = [letter(b.text()) for b in w.attachments_page.findChildren(QPushButton)
               if b.isVisibleTo(w) and letter(b.text())]  # fmt: skip
    assert buttons and len(set(buttons)) == len(buttons)
    assert not set(buttons) & tabs, sorted(set(buttons) & tabs)
