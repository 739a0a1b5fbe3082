"""The case window's "Attachments" tab (issue 18): the files of a case as a thumbnail grid.

* **Adding**: drop files on the grid, "Add files…" (a file dialog) or "Paste image" (Ctrl+V
  while the tab has the focus). A small dialog asks the title, kind and what the file is
  evidence of; the files are then checked and kept in the background, with a progress bar
  and Cancel (:mod:`hubapp.store.casework.attachments` decides: each refusal is one sentence
  in the tab's message line, and nothing of a refused file is kept). The same file already
  on the case is asked about: add it again, or not.
* **Viewing**: double-click. Pictures in the app, fitted to the window, with zoom; PDFs
  through the print preview's renderer (:class:`hubapp.views.pdf_preview.PdfPreview`).
  Anything else is offered to another program.
* **Open in another program…**: a copy readable by its owner only
  (:mod:`hubapp.open_copies`), handed to the desktop; a warning first for anything that is
  not a picture or a PDF; never a program or a script. **Save a copy…** writes one where the
  person chooses. Both are disclosures (audited); read-only staff see neither.
* **Remove from case**: coordinators and administrators, or whoever added the file.

Thumbnails are made in the background after the list is read. No database work is done on
the GUI thread.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain import attachments as rules
from hubapp.models.attachments import TILE, AttachmentListModel, LineRole, size_text
from hubapp.models.tasks import Task

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("Attachments", text)


# --- background work (no widgets) -------------------------------------------------------------


def load_job(_ctx, store, case_id):
    """The case's files and what they may be linked to."""
    from hubapp.store.casework import attachments

    return attachments.for_case(store, case_id), attachments.link_choices(store, case_id)


def thumbs_job(ctx, store, case_id):
    from hubapp.store.casework import attachments

    return attachments.make_thumbnails(store, case_id, cancelled=lambda: ctx.cancelled)


@dataclass
class Item:
    """One file to add: a path, or a picture pasted (a QImage, made PNG in the job)."""

    name: str
    path: Path | None = None
    image: QImage | None = None
    data: bytes | None = None
    again: bool = False


@dataclass(frozen=True)
class Options:
    title: str = ""
    kind: str | None = None
    contact_id: uuid.UUID | None = None
    action_id: uuid.UUID | None = None
    intervention_id: uuid.UUID | None = None


def add_job(ctx, store, case_id, items: list[Item], options: Options):
    """Add each file in its own transaction; (item, Added or the refusal) for each. A cancel
    stops at once (the file being added is not kept; those before it are)."""
    from hubapp.store.casework import attachments
    from hubapp.store.errors import Cancelled, StoreError

    out = []
    n = len(items)
    for i, item in enumerate(items):
        if ctx.cancelled:
            raise Cancelled(tr("Cancelled: the file was not added."))

        def progress(fraction, _message, i=i, item=item):
            ctx.report((i + fraction) / n, tr("Adding {0}…").format(item.name))

        common = dict(title=options.title if n == 1 else "", kind=options.kind,
                      contact_id=options.contact_id, action_id=options.action_id,
                      intervention_id=options.intervention_id, again=item.again,
                      progress=progress, cancelled=lambda: ctx.cancelled)  # fmt: skip
        try:
            if item.image is not None and item.data is None:
                item = replace(item, data=_png(item.image), image=None)
            if item.data is not None:
                result = attachments.add_bytes(store, case_id, item.data, item.name, **common)
            else:
                result = attachments.add_file(store, case_id, item.path, **common)
        except Cancelled:
            raise
        except (StoreError, OSError) as exc:
            result = exc
        out.append((item, result))
    return out


def _png(image: QImage) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


#: pictures are shown at most this many pixels a side (a 48-megapixel photo is scaled once)
VIEW_MAX = 4096


def view_job(_ctx, store, attachment_id):
    """The file's content for the viewer: a picture decoded here (orientation applied),
    or a PDF's bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImageReader

    from hubapp.store.casework import attachments

    got = attachments.view_content(store, attachment_id)
    if got.line.is_image:
        raw = QByteArray(got.data)  # kept: the buffer reads it in place
        buf = QBuffer(raw)
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buf)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > VIEW_MAX:
            reader.setScaledSize(
                size.scaled(VIEW_MAX, VIEW_MAX, Qt.AspectRatioMode.KeepAspectRatio)
            )
        image = reader.read()
        if image.isNull():
            raise OSError(tr("The picture cannot be shown: {0}").format(reader.errorString()))
        return got.line, image
    return got.line, got.data


def copy_job(_ctx, store, attachment_id):
    from hubapp import open_copies
    from hubapp.store.casework import attachments

    return attachments.copy_for_opening(store, attachment_id, open_copies.folder())


def save_job(_ctx, store, attachment_id, path):
    from hubapp.store.casework import attachments

    return attachments.get_to(store, attachment_id, path)


def void_job(_ctx, store, attachment_id):
    from hubapp.store.casework import attachments

    attachments.void(store, attachment_id)


# --- the grid --------------------------------------------------------------------------------


class AttachmentGrid(QListView):
    """The thumbnails; files dropped on it are asked to be added (``filesDropped``)."""

    filesDropped = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setIconSize(TILE)
        self.setGridSize(QSize(TILE.width() + 24, TILE.height() + 40))
        self.setWordWrap(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.accepting = True
        self.setAccessibleName(tr("Files on this case"))

    @staticmethod
    def _files(event) -> list[Path]:
        md = event.mimeData()
        if md is None or not md.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self.accepting and self._files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self.accepting and self._files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        files = self._files(event) if self.accepting else []
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.filesDropped.emit(files)


# --- the add dialog --------------------------------------------------------------------------


class AddDialog(QDialog):
    """Title, kind and link of the files about to be added."""

    def __init__(self, items: list[Item], choices, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("addAttachmentDialog")
        self.items = items
        one = len(items) == 1
        self.setWindowTitle(tr("Add a file") if one else tr("Add {0} files").format(len(items)))
        form = QFormLayout()
        what = QLabel(items[0].name if one else ", ".join(i.name for i in items[:4])
                      + ("…" if len(items) > 4 else ""), self)  # fmt: skip
        what.setTextFormat(Qt.TextFormat.PlainText)
        what.setWordWrap(True)
        form.addRow(tr("File:") if one else tr("Files:"), what)
        self.title = QLineEdit(self, objectName="attachmentTitle")
        self.title.setMaxLength(rules.TITLE_MAX)
        if one:
            self.title.setText(Path(items[0].name).stem)
            self.title.selectAll()
        else:
            self.title.setPlaceholderText(tr("each file's own name"))
            self.title.setEnabled(False)
        self.title.setAccessibleName(tr("Title"))
        form.addRow(tr("&Title:"), self.title)
        self.kind = QComboBox(self, objectName="attachmentKind")
        self.kind.addItem(tr("Photo for pictures, else Other"), "")
        for k in rules.Kind:
            self.kind.addItem(k.label, k.value)
        self.kind.setAccessibleName(tr("Kind"))
        form.addRow(tr("&Kind:"), self.kind)
        self.link = QComboBox(self, objectName="attachmentLink")
        self.link.addItem(tr("Nothing in particular"), None)
        for c in choices:
            self.link.addItem(c.label, (c.field, c.id.hex))
        self.link.setAccessibleName(tr("Evidence of"))
        form.addRow(tr("&Evidence of:"), self.link)
        self.problem = QLabel(self, objectName="attachmentTitleProblem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet("color: #a4161a;")
        self.problem.hide()
        form.addRow("", self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)  # fmt: skip
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Add"))
        self.ok_button.setObjectName("addAttachmentOk")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def options(self) -> Options:
        link = self.link.currentData()
        ids = {"contact": None, "action": None, "intervention": None}
        if link:
            ids[link[0]] = uuid.UUID(hex=link[1])
        return Options(self.title.text().strip(), self.kind.currentData() or None,
                       ids["contact"], ids["action"], ids["intervention"])  # fmt: skip

    def accept(self) -> None:
        if len(self.items) == 1 and not self.title.text().strip():
            self.problem.setText(tr("Give the file a title."))
            self.problem.show()
            self.title.setFocus()
            return
        super().accept()


# --- the viewer ------------------------------------------------------------------------------


class AttachmentViewer(QDialog):
    """A picture fitted to the window with zoom, or a PDF's pages."""

    loaded = Signal()
    failed = Signal(str)

    def __init__(self, store, line, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentViewer")
        self.setWindowTitle(line.title)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.line = line
        self.image: QImage | None = None
        self.pdf = None
        self.zoom = 0.0  # 0: fit the window
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.status = QLabel(tr("Reading…"), self, objectName="viewerStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.status, 1)
        self.fit_button = QPushButton(tr("&Fit"), self, objectName="viewerFit")
        self.out_button = QPushButton(tr("Zoom &out"), self, objectName="viewerOut")
        self.in_button = QPushButton(tr("Zoom &in"), self, objectName="viewerIn")
        for b, fn in ((self.fit_button, self.fit), (self.out_button, lambda: self.zoom_by(0.8)),
                      (self.in_button, lambda: self.zoom_by(1.25))):  # fmt: skip
            b.setAutoDefault(False)
            b.clicked.connect(fn)
            b.setVisible(line.is_image)
            bar.addWidget(b)
        lay.addLayout(bar)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self.zoom_by(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self.zoom_by(0.8))
        self.area = QScrollArea(self, objectName="viewerArea")
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = QLabel(self, objectName="viewerPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setWidget(self.picture)
        self.area.setWidgetResizable(False)
        lay.addWidget(self.area, 1)
        self.preview = None
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        lay.addWidget(close)
        self.resize(900, 640)
        task = Task(view_job, store, line.id)
        task.succeeded.connect(self._shown)
        task.failed.connect(self._failed)
        self._task = task.start()

    @property
    def busy(self) -> bool:
        return self._task is not None and self._task.running

    def _shown(self, result) -> None:
        line, content = result
        self.status.setText(f"{line.file_name} · {size_text(line.size)}"
                            + (f" · {line.note}" if line.note else ""))  # fmt: skip
        if isinstance(content, QImage):
            self.image = content
            self.fit()
        else:
            from hubapp.views.pdf_preview import PdfPreview

            self.area.hide()
            self.preview = PdfPreview(self)
            self.layout().insertWidget(1, self.preview, 1)
            self.preview.set_pdf(content)
            self.pdf = content
        self.loaded.emit()

    def _failed(self, exc) -> None:
        from hubapp.errors import describe

        self.status.setText(describe(exc))
        self.failed.emit(describe(exc))

    def _scale(self) -> float:
        if self.image is None or self.image.isNull():
            return 1.0
        if self.zoom:
            return self.zoom
        room = self.area.viewport().size()
        return min(1.0, room.width() / max(1, self.image.width()),
                   room.height() / max(1, self.image.height()))  # fmt: skip

    def _paint(self) -> None:
        if self.image is None:
            return
        s = self._scale()
        w, h = max(1, round(self.image.width() * s)), max(1, round(self.image.height() * s))
        pix = QPixmap.fromImage(self.image.scaled(w, h, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))  # fmt: skip
        self.picture.setPixmap(pix)
        self.picture.resize(pix.size())

    def fit(self) -> None:
        self.zoom = 0.0
        self._paint()

    def zoom_by(self, factor: float) -> None:
        if self.image is None:
            return
        self.zoom = max(0.05, min(8.0, self._scale() * factor))
        self._paint()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.zoom:
            self._paint()

    def done(self, result) -> None:
        if self.preview is not None:
            self.preview.release()
        super().done(result)


# --- the tab ---------------------------------------------------------------------------------


class AttachmentsPage(QWidget):
    """The case window's Attachments tab. ``attach(store, case_id)`` then it reads itself."""

    #: the list was read (the lines)
    loaded = Signal(list)
    #: files were added or removed
    changed = Signal()
    #: a sentence shown in the message line
    said = Signal(str)
    #: adding finished (the outcomes)
    added = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsPage")
        self.store = None
        self.case_id: uuid.UUID | None = None
        self.choices: list = []
        self.model = AttachmentListModel(self)
        self.dialog: AddDialog | None = None
        self.viewer: AttachmentViewer | None = None
        self.question: QMessageBox | None = None
        self._load: Task | None = None
        self._pending = False
        self._thumbs: Task | None = None
        self._work: Task | None = None
        #: the latest progress, shown at most every 50 ms (a 20 MB file reports 80 times)
        self._latest: tuple[float, str] | None = None
        self._progress_timer = QTimer(self, singleShot=True, interval=50)
        self._progress_timer.timeout.connect(self._show_progress)
        self._build()

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 8, 4, 4)
        hint = QLabel(tr("Photos, letters, statements and evidence, kept inside the encrypted "
                         "database. Drop files here, or paste a picture (Ctrl+V). Location data "
                         "is taken out of photos."), self)  # fmt: skip
        hint.setWordWrap(True)
        hint.setProperty("hint", True)
        lay.addWidget(hint)
        self.grid = AttachmentGrid(self)
        self.grid.setModel(self.model)
        self.grid.filesDropped.connect(self.add_paths)
        # a double-click activates the item too on some styles: one viewer either way
        self.grid.activated.connect(lambda ix: self._activated(ix.row()))
        self.grid.doubleClicked.connect(lambda ix: self._activated(ix.row()))
        self.grid.selectionModel().selectionChanged.connect(self._offer)
        lay.addWidget(self.grid, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(tr("A&dd files…"), self, objectName="addFilesButton")
        self.add_button.clicked.connect(lambda: self.choose_files())
        self.paste_button = QPushButton(tr("Past&e image"), self, objectName="pasteImageButton")
        self.paste_button.clicked.connect(lambda: self.paste())
        self.view_button = QPushButton(tr("Vie&w"), self, objectName="viewAttachmentButton")
        self.view_button.clicked.connect(lambda: self.open_selected())
        self.external_button = QPushButton(tr("Open in a&nother program…"), self,
                                           objectName="openExternalButton")  # fmt: skip
        self.external_button.clicked.connect(lambda: self.open_external())
        self.save_button = QPushButton(tr("Save a c&opy…"), self, objectName="saveCopyButton")
        self.save_button.clicked.connect(lambda: self.save_copy())
        self.remove_button = QPushButton(tr("Remove &from case"), self,
                                         objectName="removeAttachmentButton")  # fmt: skip
        self.remove_button.clicked.connect(lambda: self.remove())
        for b in (self.add_button, self.paste_button, self.view_button, self.external_button,
                  self.save_button, self.remove_button):  # fmt: skip
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        busy = QHBoxLayout()
        self.progress = QProgressBar(self, objectName="attachmentProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(tr("Adding files"))
        self.cancel_button = QPushButton(tr("Cancel"), self, objectName="attachmentCancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        lay.addLayout(busy)
        self.message = QLabel(self, objectName="attachmentMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.paste_shortcut = QShortcut(QKeySequence.StandardKey.Paste, self)
        self.paste_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.paste_shortcut.activated.connect(lambda: self.paste())
        self._offer()

    # -- reading ---------------------------------------------------------------------------
    def attach(self, store, case_id: uuid.UUID) -> None:
        self.store, self.case_id = store, case_id
        self._offer()
        self.reload()

    def reload(self) -> None:
        if self.store is None or self.case_id is None:
            return
        if self._load is not None:
            self._pending = True
            return
        task = Task(load_job, self.store, self.case_id)
        task.succeeded.connect(self._loaded)
        task.failed.connect(lambda exc: self.say(_describe(exc), problem=True))
        task.finished.connect(self._load_finished)
        self._load = task.start()

    def _loaded(self, result) -> None:
        if self._pending:
            return
        lines, self.choices = result
        selected = self.selected()
        self.model.set_lines(lines)
        if selected is not None and (row := self.model.row_of(selected.id)) >= 0:
            self.grid.setCurrentIndex(self.model.index(row, 0))
        self._offer()
        self.loaded.emit(lines)
        if any(li.is_image and not li.thumb and li.complete for li in lines):
            self._make_thumbnails()

    def _load_finished(self) -> None:
        self._load = None
        if self._pending:
            self._pending = False
            self.reload()

    def _make_thumbnails(self) -> None:
        if self._thumbs is not None:
            return
        task = Task(thumbs_job, self.store, self.case_id)
        task.succeeded.connect(self.model.set_thumbnails)
        task.finished.connect(self._thumbs_finished)
        self._thumbs = task.start()

    def _thumbs_finished(self) -> None:
        self._thumbs = None

    @property
    def busy(self) -> bool:
        return any(t is not None for t in (self._load, self._thumbs, self._work)) or bool(
            self.viewer is not None and self.viewer.busy)  # fmt: skip

    # -- what may be done ------------------------------------------------------------------
    def _may(self, op_name: str) -> bool:
        from hubapp.store import access
        from hubapp.store.roles import Op

        return self.store is not None and access.may(self.store, Op[op_name])

    def selected(self):
        ix = self.grid.currentIndex()
        rows = self.grid.selectionModel().selectedIndexes()
        if rows:
            ix = rows[0]
        return ix.data(LineRole) if ix.isValid() else None

    def _offer(self, *_args) -> None:
        may_add = self._may("ATTACH")
        may_copy = self._may("ATTACHMENT_COPY")
        line = self.selected()
        working = self._work is not None
        for b in (self.add_button, self.paste_button):
            b.setVisible(may_add)
            b.setEnabled(not working and self.case_id is not None)
        self.grid.accepting = may_add and not working
        self.view_button.setEnabled(line is not None)
        for b in (self.external_button, self.save_button):
            b.setVisible(may_copy)
            b.setEnabled(line is not None and line.complete and not working)
        self.remove_button.setVisible(may_add)
        from hubapp.store.casework.attachments import may_remove

        self.remove_button.setEnabled(line is not None and not working
                                      and self.store is not None
                                      and may_remove(self.store, line))  # fmt: skip

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #a4161a;" if problem else "")
        self.said.emit(text)

    # -- adding ----------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Add files to the case"))
        if paths:
            self.add_paths([Path(p) for p in paths])

    def add_paths(self, paths: list[Path]) -> None:
        self.ask([Item(p.name, path=p) for p in paths])

    def paste(self) -> None:
        if not self._may("ATTACH") or self._work is not None or self.case_id is None:
            return
        clipboard = QGuiApplication.clipboard()
        md = clipboard.mimeData()
        if md is not None and md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            self.add_paths([Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()])
            return
        image = clipboard.image()
        if image.isNull():
            self.say(tr("The clipboard holds no picture to paste."), problem=True)
            return
        from datetime import datetime

        name = datetime.now().strftime("Pasted picture %d-%m-%Y %H-%M-%S.png")
        self.ask([Item(name, image=image)])

    def ask(self, items: list[Item]) -> None:
        """The add dialog for ``items``; adding starts when it is accepted."""
        if not items or not self._may("ATTACH") or self._work is not None:
            return
        self.dialog = AddDialog(items, self.choices, self)
        self.dialog.accepted.connect(lambda d=self.dialog: self.start_adding(d.items, d.options()))
        self.dialog.open()

    def start_adding(self, items: list[Item], options: Options) -> None:
        self.say(tr("Adding…"))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        task = Task(add_job, self.store, self.case_id, items, options)
        task.progress.connect(self._progressed)
        task.succeeded.connect(lambda outcomes: self._added(outcomes, options))
        task.failed.connect(lambda exc: self.say(_describe(exc), problem=True))
        task.cancelled.connect(lambda: self.say(tr("Cancelled: the file being added was not "
                                                   "kept.")))  # fmt: skip
        task.finished.connect(self._work_finished)
        self._work = task.start()
        self._offer()

    def _progressed(self, fraction: float, message: str) -> None:
        self._latest = (fraction, message)
        if not self._progress_timer.isActive():
            self._show_progress()
            self._progress_timer.start()

    def _show_progress(self) -> None:
        if self._latest is None or self._work is None:
            return
        fraction, message = self._latest
        self.progress.setValue(int(fraction * 1000))
        if message != self.message.text():
            self.message.setText(message)

    def cancel(self) -> None:
        if self._work is not None:
            self._work.cancel()

    def _work_finished(self) -> None:
        self._work = None
        self.progress.hide()
        self.cancel_button.hide()
        self._offer()
        self.reload()

    def _added(self, outcomes, options: Options) -> None:
        from hubapp.store.casework.attachments import Added, Duplicate

        done = [r for _i, r in outcomes if isinstance(r, Added)]
        twins = [(i, r) for i, r in outcomes if isinstance(r, Duplicate)]
        refused = [r for _i, r in outcomes if not isinstance(r, Added | Duplicate)]
        words = []
        if done:
            words.append(tr("Added {0}.").format(f"'{done[0].title}'" if len(done) == 1
                                                  else tr("{0} files").format(len(done))))  # fmt: skip
            notes = sorted({a.note for a in done if a.note})
            words += notes
        if refused:
            words.append(_describe(refused[0]))
            if len(refused) > 1:
                words.append(tr("({0} more not added.)").format(len(refused) - 1))
        if words:
            self.say(" ".join(words), problem=bool(refused))
        if done:
            self.changed.emit()
        self.added.emit(outcomes)
        if twins:
            self._ask_again(twins, options)

    def _ask_again(self, twins, options: Options) -> None:
        item, dup = twins[0]
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No

        def answered(button) -> None:
            if button == yes:
                self.start_adding([replace(item, again=True)], options)
            elif twins[1:]:
                self._ask_again(twins[1:], options)

        self._ask("duplicateQuestion", QMessageBox.Icon.Question, tr("Already on this case"),
                  str(dup) + "\n\n" + tr("Add '{0}' again?").format(item.name), yes | no, no,
                  answered)  # fmt: skip

    def _ask(self, name: str, icon, title: str, text: str, buttons, default, answered) -> None:
        """A question in plain text, shown without blocking (``self.question`` while open);
        ``answered(the standard button chosen)``."""
        box = QMessageBox(icon, title, text, buttons, self)
        box.setObjectName(name)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(default)
        self.question = box

        def chosen(button) -> None:
            self.question = None
            answered(box.standardButton(button))

        box.buttonClicked.connect(chosen)
        box.open()

    # -- viewing and taking out ------------------------------------------------------------
    def _line(self, row: int | None):
        return self.model.line(row) if row is not None else self.selected()

    def _activated(self, row: int) -> None:
        line = self.model.line(row)
        v = self.viewer
        if line is not None and v is not None and v.isVisible() and v.line.id == line.id:
            return
        self.open_selected(row)

    def open_selected(self, row: int | None = None) -> None:
        line = self._line(row)
        if line is None:
            return
        if not line.complete:
            self.say(tr("Part of '{0}' has not reached this station yet; sync, then try "
                        "again.").format(line.file_name), problem=True)  # fmt: skip
            return
        if line.is_image or line.is_pdf:
            self.viewer = AttachmentViewer(self.store, line, self)
            self.viewer.open()
            return
        self.open_external(row)

    def open_external(self, row: int | None = None) -> None:
        line = self._line(row)
        if line is None or not self._may("ATTACHMENT_COPY"):
            return
        if not rules.may_open(line.file_name, line.media_type):
            self.say(tr("'{0}' is a program or a script; hubapp never opens one. Save a copy if "
                        "it must be examined.").format(line.file_name), problem=True)  # fmt: skip
            return
        if not rules.needs_warning(line.media_type):
            self._copy_and_open(line)
            return
        open_, cancel = QMessageBox.StandardButton.Open, QMessageBox.StandardButton.Cancel
        self._ask("openWarning", QMessageBox.Icon.Warning, tr("Open in another program"),
                  tr("'{0}' is not a picture or a PDF. Files from outside can carry harmful "
                     "content; open it only if you trust where it came from. A copy readable "
                     "only by you is made, and removed when hubapp closes.").format(line.file_name),
                  open_ | cancel, cancel,
                  lambda button: button == open_ and self._copy_and_open(line))  # fmt: skip

    def _copy_and_open(self, line) -> None:
        task = Task(copy_job, self.store, line.id)
        task.succeeded.connect(self._opened)
        task.failed.connect(lambda exc: self.say(_describe(exc), problem=True))
        task.start()

    def _opened(self, path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.say(tr("No program on this PC opens '{0}'.").format(Path(path).name),
                     problem=True)  # fmt: skip
            return
        self.say(tr("Opened '{0}' in another program.").format(Path(path).name))

    def save_copy(self, path: Path | str | None = None) -> None:
        line = self.selected()
        if line is None or not self._may("ATTACHMENT_COPY"):
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Save a copy"), line.file_name)
            if not path:
                return
        task = Task(save_job, self.store, line.id, Path(path))
        task.succeeded.connect(lambda _l: self.say(tr("Saved a copy as {0}.").format(path)))
        task.failed.connect(lambda exc: self.say(_describe(exc), problem=True))
        task.start()

    def remove(self) -> None:
        line = self.selected()
        if line is None or not self._may("ATTACH"):
            return
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No

        def answered(button) -> None:
            if button != yes:
                return
            task = Task(void_job, self.store, line.id)
            task.succeeded.connect(lambda _r: (self.say(tr("Removed '{0}' from the case.")
                                                        .format(line.title)),
                                               self.changed.emit(), self.reload()))  # fmt: skip
            task.failed.connect(lambda exc: self.say(_describe(exc), problem=True))
            task.start()

        self._ask("removeQuestion", QMessageBox.Icon.Question, tr("Remove from case"),
                  tr("Remove '{0}' from this case? It is kept until the retention review "
                     "erases it.").format(line.title), yes | no, no, answered)  # fmt: skip


def _describe(exc) -> str:
    from hubapp.errors import describe

    return describe(exc)
