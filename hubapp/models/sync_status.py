"""Background sync for the GUI: a timer and "Sync now", the state in plain words.

``SyncRunner`` is made on the GUI thread. Each round runs ``hubapp.sync.engine.Syncer`` in
the thread pool through a ``Task`` (one round at a time; a request during a round is
remembered and run after it), so the window never waits for the network. It says what
happened with ``statusChanged(text, tooltip)`` and ``conflictsChanged(count)``; the window
only shows them. A station without a central database never makes one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from hubapp.models.tasks import Task

log = logging.getLogger(__name__)

#: how often the station syncs on its own
INTERVAL_MS = 5 * 60 * 1000
#: a clock this far off the server's is worth a warning
SKEW_WARN_S = 300


def tr(text: str) -> str:
    return QCoreApplication.translate("SyncRunner", text)


def central_url(_ctx, store) -> str | None:
    """Background: the station's central address, or None when none is set up."""
    from hubapp.store import demo
    from hubapp.sync import credentials
    from hubapp.sync.central import CentralError

    if demo.is_demo_database(store):
        return None  # demo data never syncs
    try:
        return credentials.load(store)
    except CentralError:
        return None


def sync_round(_ctx, syncer):
    """Background: one push-then-pull round, then the state to show."""
    from hubapp.sync import engine

    summary = syncer.run()
    return summary, engine.status(syncer.store)


def read_status(_ctx, store):
    from hubapp.sync import engine

    return engine.status(store)


def _local_time(iso_utc: str | None) -> str:
    if not iso_utc:
        return ""
    when = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).astimezone()
    if when.date() == datetime.now().astimezone().date():
        return when.strftime("%H:%M")
    return when.strftime("%d/%m/%Y %H:%M")


def describe(status, *, offline: bool, syncing: bool) -> str:
    """The status-bar words for a ``hubapp.sync.engine.SyncStatus`` (pure, tested alone)."""
    parts = []
    if syncing:
        parts.append(tr("Syncing…"))
    elif offline:
        parts.append(tr("Offline"))
    if status is not None:
        when = _local_time(status.last_sync)
        if not syncing:
            parts.append(tr("last sync {when}").format(when=when) if when
                         else tr("not synced yet"))  # fmt: skip
        if status.pending:
            parts.append(
                tr("1 change waiting") if status.pending == 1
                else tr("{n} changes waiting").format(n=f"{status.pending:,}")
            )  # fmt: skip
        if abs(status.clock_skew_s) > SKEW_WARN_S:
            parts.append(tr("this PC's clock is {m} minutes off").format(
                m=round(abs(status.clock_skew_s) / 60)))  # fmt: skip
        if status.conflicts:
            parts.append(
                tr("1 conflict to resolve") if status.conflicts == 1
                else tr("{n} conflicts to resolve").format(n=status.conflicts)
            )  # fmt: skip
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


class SyncRunner(QObject):
    #: (status-bar text, tooltip); text is plain
    statusChanged = Signal(str, str)
    #: the number of open conflicts changed (or was read for the first time)
    conflictsChanged = Signal(int)
    #: a central database is set up for this station (sync is shown from now on)
    configured = Signal()
    #: one round finished (True) or failed (False)
    roundFinished = Signal(bool)

    def __init__(self, store, parent: QObject | None = None, *, url: str | None = None,
                 interval_ms: int = INTERVAL_MS, timeout: float = 10.0) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        self.url = url
        self.timeout = timeout
        self.syncer = None
        self.status = None
        self.offline = False
        self.syncing = False
        self.error = ""
        self.pulled = 0
        self.warnings: list[str] = []
        self._again = False
        self._conflicts = -1
        self._closed = False
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.sync_now)

    @property
    def is_configured(self) -> bool:
        return self.url is not None

    def start(self) -> None:
        """Find the central address (in the background); sync now and on the timer if any."""
        if self.url is not None:
            self._configured(self.url)
            return
        task = Task(central_url, self.store)
        task.succeeded.connect(self._configured)
        task.start()

    def _configured(self, url: str | None) -> None:
        if url is None or self._closed:
            return
        from hubapp.sync.engine import Syncer

        self.url = url
        self.syncer = Syncer(self.store, url, timeout=self.timeout)
        self.configured.emit()
        self.timer.start()
        self.refresh()  # the pending count, shown while the first round runs
        self.sync_now()

    def sync_now(self) -> None:
        if self.syncer is None or self._closed:
            return
        if self.syncing:
            self._again = True
            return
        self.syncing = True
        self._show()
        task = Task(sync_round, self.syncer)
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        task.start()

    def refresh(self) -> None:
        """Read the pending count and conflicts again (after a local edit or a resolve)."""
        if self.syncer is None or self._closed:
            return
        task = Task(read_status, self.store)
        task.succeeded.connect(self._status)
        task.start()

    def _done(self, result) -> None:
        summary, status = result
        self.syncing, self.offline, self.error = False, False, ""
        self.pulled = summary.pulled
        self.warnings = list(summary.warnings)
        self._status(status)
        self.roundFinished.emit(True)
        self._next()

    def _failed(self, message: str) -> None:
        self.syncing, self.offline, self.error = False, True, message
        log.info("Sync failed: %s", message)
        self._show()
        self.refresh()
        self.roundFinished.emit(False)
        self._next()

    def _next(self) -> None:
        if self._again:
            self._again = False
            self.sync_now()

    def _status(self, status) -> None:
        self.status = status
        self._show()
        if status.conflicts != self._conflicts:
            self._conflicts = status.conflicts
            self.conflictsChanged.emit(status.conflicts)

    def _show(self) -> None:
        text = describe(self.status, offline=self.offline, syncing=self.syncing)
        tip = self.error or (self.status.last_result if self.status else "")
        if self.error:
            tip = tr("The central database could not be reached: {why} Your work is kept "
                     "here and sent at the next sync.").format(why=self.error)  # fmt: skip
        self.statusChanged.emit(text, tip)

    def close(self) -> None:
        """The window is closing: no more rounds; the connection is closed."""
        self._closed = True
        self.timer.stop()
        if self.syncer is not None and not self.syncing:
            self.syncer.close()
