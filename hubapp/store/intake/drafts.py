"""Drafts of unfinished intake forms (local to this station, never synced).

The form writes its draft as the user types (debounced) and when it closes, so that closing
the window or a crash of the app loses nothing; the draft is offered again next time and
deleted when the report is saved (in the same transaction, by :func:`hubapp.store.intake.form.save`)
or discarded on purpose.

:class:`DraftSlot` serialises the writes of one form: the form's background writes and its
last write on closing may overlap, and a write started earlier must never overwrite a later
one, nor bring back a draft already saved as a case.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hubapp.domain.clock import utcnow
from hubapp.store.intake.form import IntakeForm
from hubapp.store.schema import IntakeDraft


@dataclass(frozen=True)
class DraftInfo:
    id: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime


def write(store, form: IntakeForm, draft_id: int | None = None) -> int:
    """Save the form as a draft (a new one, or over ``draft_id``); return the draft's id.

    A draft deleted meanwhile (resumed and saved in another window) is written anew.
    """
    values = form.to_dict()
    with store.write(reason="intake draft") as s:
        row = s.get(IntakeDraft, draft_id) if draft_id is not None else None
        if row is None:
            row = IntakeDraft(user=store.user, created_at=utcnow())
            s.add(row)
        row.title = form.title()
        row.fields = values
        row.updated_at = utcnow()
        s.flush()
        return row.id


def load(store, draft_id: int) -> IntakeForm | None:
    with store.read() as s:
        row = s.get(IntakeDraft, draft_id)
        return IntakeForm.from_dict(row.fields) if row is not None else None


def list_drafts(store) -> list[DraftInfo]:
    """This station's drafts, the most recently typed first."""
    with store.read() as s:
        rows = s.scalars(select(IntakeDraft).order_by(IntakeDraft.updated_at.desc()))
        return [DraftInfo(r.id, r.title, r.user, r.created_at, r.updated_at) for r in rows]


def discard(store, draft_id: int) -> None:
    with store.write(reason="intake draft discarded") as s:
        row = s.get(IntakeDraft, draft_id)
        if row is not None:
            s.delete(row)


class DraftSlot:
    """One form's draft: its id, and a lock that puts its writes in order.

    Each write carries the number of the change it saves (:meth:`next_change`); a write of
    an older change than one already written is skipped. Once the form is saved as a case
    (:meth:`finish`), no write brings the draft back.
    """

    def __init__(self, draft_id: int | None = None) -> None:
        self.lock = threading.Lock()
        self.draft_id = draft_id
        self._change = 0
        self._written = -1
        self.finished = False

    def next_change(self) -> int:
        with self.lock:
            self._change += 1
            return self._change

    def write(self, store, form: IntakeForm, change: int) -> int | None:
        """Write ``form`` (change number ``change``) unless a later one is already written."""
        with self.lock:
            if self.finished or change <= self._written:
                return self.draft_id
            self.draft_id = write(store, form, self.draft_id)
            self._written = change
            return self.draft_id

    def finish(self) -> None:
        """The form was saved (its draft deleted with it) or discarded: write no more."""
        self.finished = True
