"""Background sync for the GUI: a timer and "Sync now", the state in plain words.

``SyncRunner`` is made on the GUI thread. Each round runs ``hubapp.sync.engine.Syncer`` in
the thread pool through a ``Task`` (one round at a time; a request during a round is
remembered and run after it), so the window never waits for the network. It says what
happened with ``statusChanged(text, tooltip)`` and ``conflictsChanged(count)``; the window
only shows them. A station without a central database never makes one.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from hubapp.models.tasks import Task, said

log = logging.getLogger(__name__)

#: how often the station syncs on its own
INTERVAL_MS = 5 * 60 * 1000
#: a clock this far off the server's is worth a warning
SKEW_WARN_S = 300


def tr(text: str) -> str:
    return QCoreApplication.translate("SyncRunner", text)


def central_url(_ctx, store) -> str | None:
    """Background: the station's central address, or None when none is set up."""
    from hubapp.store.exchange import demo
    from hubapp.sync import credentials
    from hubapp.sync.central import CentralError

    if demo.is_demo_database(store):
        return None  # demo data never syncs
    try:
        return credentials.load(store)
    except CentralError:
        return None


def sync_round(ctx, syncer, stop=None):
    """Background: one push-then-pull round, then the state to show; a failure comes back
    classified (``hubapp.sync.failures.Failure``) with the state, never as an exception.
    A new station's first copy from its hub's snapshot and the attachments' content report
    their progress; ``stop`` (a ``threading.Event``) set stops the content between batches."""
    from hubapp.sync import failures

    syncer.progress = lambda what, done, total: ctx.report(done / total if total else 0.0, what)
    syncer.cancelled = lambda: ctx.cancelled or (stop is not None and stop.is_set())
    try:
        summary = syncer.run()
    except Exception as exc:
        failure = failures.classify(exc)
        if failure.kind == failures.Kind.OTHER:
            log.warning("Sync failed: %s", failure.detail, exc_info=not _expected(exc))
        else:
            log.info("Sync failed (%s): %s", failure.kind, failure.detail)
        return failure, _status(syncer.store)
    finally:
        syncer.progress = None
        syncer.cancelled = None
    return summary, _status(syncer.store)


def cancel_statement(_ctx, conn) -> None:
    """Background: cancel the statement a sync round waits on (thread-safe in psycopg)."""
    try:
        if hasattr(conn, "cancel_safe"):
            conn.cancel_safe(timeout=3)
        else:  # psycopg before 3.2
            conn.cancel()
    except Exception:  # the link is gone already: the round ends on its own
        log.debug("cancelling the sync statement failed", exc_info=True)


def _expected(exc: BaseException) -> bool:
    from hubapp.errors import expected

    return expected(exc)


def _status(store):
    """The engine's status plus the refused and set-aside changes waiting to be seen."""
    import dataclasses

    from hubapp.sync import engine, inbound, refusals

    status = engine.status(store)
    return SyncState(**dataclasses.asdict(status), refused=refusals.open_count(store),
                     set_aside=inbound.open_count(store))  # fmt: skip


def read_status(_ctx, store):
    return _status(store)


class SyncState:
    """``hubapp.sync.engine.SyncStatus`` and the number of refused changes (plain values)."""

    def __init__(self, last_sync, last_result, pending, conflicts, clock_skew_s, refused=0,
                 set_aside=0, **more):  # fmt: skip
        self.__dict__.update(more)  # whatever else the engine's status says, as it says it
        self.last_sync = last_sync
        self.last_result = last_result
        self.pending = pending
        self.conflicts = conflicts
        self.clock_skew_s = clock_skew_s
        self.refused = refused
        #: changes from the central database that broke a rule (Tools > Central database)
        self.set_aside = set_aside

    @property
    def attention(self) -> int:
        """Conflicts and refused changes: what the sync conflicts dialog lists."""
        return self.conflicts + self.refused


def _local_time(iso_utc: str | None) -> str:
    if not iso_utc:
        return ""
    when = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).astimezone()
    if when.date() == datetime.now().astimezone().date():
        return when.strftime("%H:%M")
    return when.strftime("%d/%m/%Y %H:%M")


#: the status-bar words of each kind of failure (``hubapp.sync.failures.Kind``)
FAILURE_WORDS = {
    "offline": "Offline",
    "refused": "Sign-in to the central database was refused; ask an administrator for a new "
    "address",
    "other_station": "This station's central address belongs to another station; ask an "
    "administrator for a new address",
    "update_app": "Update hubapp: the central database is newer",
    "bad_address": "The central address is not usable; set it again in Tools > Central database…",
    "other": "The last sync failed (point here for why)",
}


def describe(status, *, offline: bool = False, syncing: bool = False,
             failure: str | None = None) -> str:  # fmt: skip
    """The status-bar words for a ``hubapp.sync.engine.SyncStatus`` (pure, tested alone);
    ``failure`` is the kind of the last round's failure (``offline`` means "offline")."""
    if offline and failure is None:
        failure = "offline"
    parts = []
    if syncing:
        parts.append(tr("Syncing…"))
    elif failure:
        parts.append(tr(FAILURE_WORDS.get(failure, FAILURE_WORDS["other"])))
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
        refused = getattr(status, "refused", 0)
        if refused:
            parts.append(
                tr("1 change refused") if refused == 1
                else tr("{n} changes refused").format(n=refused)
            )  # fmt: skip
        set_aside = getattr(status, "set_aside", 0)
        if set_aside:
            parts.append(
                tr("1 change from central set aside") if set_aside == 1
                else tr("{n} changes from central set aside").format(n=set_aside)
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
    #: the central address was forgotten (sync is hidden from now on)
    unconfigured = Signal()
    #: one round finished (True) or failed (False)
    roundFinished = Signal(bool)
    #: after ``finish``: no round runs any more (the window may close)
    finished = Signal()

    def __init__(self, store, parent: QObject | None = None, *, url: str | None = None,
                 interval_ms: int = INTERVAL_MS, timeout: float = 10.0) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        self.url = url
        self.timeout = timeout
        self.syncer = None
        self.status = None
        self.failure = None  # hubapp.sync.failures.Failure of the last round, or None
        self.syncing = False
        self.error = ""
        self.pulled = 0
        self.warnings: list[str] = []
        self._again = False
        self._conflicts = -1
        self._closed = False
        self._finishing = False
        self._retired: list = []  # syncers to close once the running round ends
        #: set: the running round stops moving attachments' content (between batches)
        self._stop = threading.Event()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.sync_now)
        self._grace = QTimer(self, singleShot=True)
        self._grace.timeout.connect(self._interrupt)
        self._last_chance = QTimer(self, singleShot=True)
        self._last_chance.timeout.connect(self._finished)

    @property
    def is_configured(self) -> bool:
        return self.url is not None

    @property
    def offline(self) -> bool:
        return self.failure is not None and self.failure.kind == "offline"

    def start(self) -> None:
        """Find the central address (in the background); sync now and on the timer if any."""
        if self.url is not None:
            self._configured(self.url)
            return
        task = Task(central_url, self.store)
        task.succeeded.connect(self._configured)
        task.start()

    def configure(self, url: str) -> None:
        """Sync with ``url`` from now on (a new or changed address), without a restart."""
        if self._closed:
            return
        if self.syncer is not None:
            self._retire()
        self._configured(url)

    def unconfigure(self) -> None:
        """The address was forgotten: no more rounds, nothing about sync shown. Pending
        changes stay in the outbox for a later address."""
        self.timer.stop()
        self._again = False
        if self.syncer is not None:
            self._retire()
        self.url = None
        self.failure, self.error, self.status, self._conflicts = None, "", None, -1
        self.unconfigured.emit()

    def _retire(self) -> None:
        if self.syncing:
            self._retired.append(self.syncer)
        else:
            self.syncer.close()
        self.syncer = None

    def _configured(self, url: str | None) -> None:
        if url is None or self._closed:
            return
        from hubapp.sync.engine import Syncer

        self.url = url
        self.failure, self.error = None, ""
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
        self._stop.clear()
        self._show()
        task = Task(sync_round, self.syncer, self._stop)
        task.progress.connect(self._progress)
        task.succeeded.connect(self._done)
        task.failed.connect(said(self._failed))
        task.start()

    def refresh(self) -> None:
        """Read the pending count and conflicts again (after a local edit or a resolve)."""
        if self.syncer is None or self._closed:
            return
        task = Task(read_status, self.store)
        task.succeeded.connect(self._status)
        task.start()

    def _done(self, result) -> None:
        from hubapp.sync.failures import Failure

        outcome, status = result
        if isinstance(outcome, Failure):
            self._fail(outcome, status)
            return
        self.syncing, self.failure, self.error = False, None, ""
        self.pulled = outcome.pulled
        self.warnings = list(outcome.warnings)
        self._after_round()
        self._status(status)
        self.roundFinished.emit(True)
        self._next()

    def _failed(self, message: str) -> None:
        """The round's task itself failed (reading the state): an "other" failure."""
        from hubapp.sync.failures import Failure, Kind

        self._fail(Failure(Kind.OTHER, message, message), None)

    def _fail(self, failure, status) -> None:
        self.syncing, self.failure, self.error = False, failure, failure.sentence
        self._after_round()
        if status is not None:
            self._status(status)
        else:
            self._show()
            self.refresh()
        self.roundFinished.emit(False)
        self._next()

    def _after_round(self) -> None:
        for old in self._retired:
            old.close()
        self._retired = []
        if self._closed and self.syncer is not None:
            self.syncer.close()
        if self._finishing:
            self._finished()

    def _next(self) -> None:
        if self._again:
            self._again = False
            self.sync_now()

    def _status(self, status) -> None:
        if self.syncer is None and self.url is None:
            return  # forgotten meanwhile
        self.status = status
        self._show()
        seen = getattr(status, "attention", status.conflicts)
        if seen != self._conflicts:
            self._conflicts = seen
            self.conflictsChanged.emit(seen)

    def tooltip(self) -> str:
        f = self.failure
        if f is None:
            return self.status.last_result if self.status else ""
        if f.kind == "offline":
            return tr("The central database could not be reached: {why} Your work is kept "
                      "here and sent at the next sync.").format(why=f.detail)  # fmt: skip
        if f.detail and f.detail != f.sentence:
            return f"{f.sentence}\n\n{tr('Details:')} {f.detail}"
        return f.sentence

    def cancel_round(self) -> None:
        """Stop the running round's attachments' content at the next batch (what was sent or
        received stays; the next round resumes). Rows are never stopped half-way."""
        self._stop.set()

    def _progress(self, fraction: float, what: str) -> None:
        """A long first copy, or attachments' content, under way: what, and how far (the
        window stays usable)."""
        from hubapp.sync import files

        why = (tr("This station is sending or receiving attachments' files; they resume at "
                  "the next sync if the link drops.") if what in (files.SENDING, files.RECEIVING)
               else tr("This station is receiving its hub's cases for the first time."))  # fmt: skip
        self.statusChanged.emit(
            tr("Sync: {what}, {percent}%").format(what=tr(what), percent=int(fraction * 100)),
            why,
        )

    def _show(self) -> None:
        text = describe(self.status, syncing=self.syncing,
                        failure=str(self.failure.kind) if self.failure else None)  # fmt: skip
        self.statusChanged.emit(text, self.tooltip())

    # -- quitting --------------------------------------------------------------------------
    def finish(self, wait_ms: int = 5000, then_ms: int = 5000) -> bool:
        """The window is closing: no new rounds. True when none runs (close now); otherwise
        ``finished`` follows when the running round ends. After ``wait_ms`` the round's
        current statement is cancelled (its PostgreSQL transaction rolls back; the outbox
        keeps what was not committed, and the next start resumes); ``then_ms`` later
        ``finished`` comes regardless (a connect still waiting for its timeout ends on its
        own, before the database is closed)."""
        self._closed = True
        self.timer.stop()
        self._again = False
        if not self.syncing:
            self.close()
            return True
        self._stop.set()  # attachments' content resumes at the next start
        if not self._finishing:
            self._finishing = True
            self._grace.start(wait_ms)
            self._then_ms = then_ms
            self.statusChanged.emit(tr("Finishing the sync…"), tr(
                "hubapp closes when the sync round has finished (a few seconds at most)."))  # fmt: skip
        return False

    def _interrupt(self) -> None:
        if not self.syncing:
            return
        log.warning("Quitting: the running sync round is interrupted; the next start resumes")
        self._stop.set()
        conn = getattr(self.syncer, "conn", None)
        if conn is not None:
            Task(cancel_statement, conn).start()  # it connects to the server: not here
        self._last_chance.start(self._then_ms)

    def _finished(self) -> None:
        if not self._finishing:
            return
        self._finishing = False
        self._grace.stop()
        self._last_chance.stop()
        self.finished.emit()

    def close(self) -> None:
        """The window is closing: no more rounds; the connection is closed."""
        self._closed = True
        self.timer.stop()
        if self.syncer is not None and not self.syncing:
            self.syncer.close()
