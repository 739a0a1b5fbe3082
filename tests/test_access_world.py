"""A small hub with staff accounts of every role, shared by the access tests (no tests here).

Cases (Carlisle unless said):
  * A (CAR-2026-0001): Cumberland Council lead, police support; a locked-down victim with an
    address, a shared note and a police own-agency note;
  * B (CAR-2026-0002): police only;
  * C (CAR-2026-0003): Riverside housing only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from casework import agency_id, hub_id, new_case

from hubapp.store import accounts
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import assignments, timeline
from hubapp.store.schema import CasePerson, Person

PASSWORD = "correct horse battery staple"
POLICE_SECRET = "Covert observation planned at the flats"
SHARED_NOTE = "Council letter sent to the tenant"
LOCKED_ADDRESS = "17 Hidden Lane, Carlisle CA3 9ZZ"
LOCKED_PHONE = "07700 900123"

ROLES = {
    "ada": ("administrator", None),
    "cora": ("coordinator", None),
    "pete": ("police", "POLICE"),
    "cara": ("partner", "CUMBERLAND"),
    "rita": ("partner", "RIVERSIDE"),
    "rory": ("read_only", "CUMBERLAND"),
}


@dataclass
class World:
    store: object
    a: uuid.UUID
    b: uuid.UUID
    c: uuid.UUID
    victim: uuid.UUID
    police: uuid.UUID
    council: uuid.UUID
    riverside: uuid.UUID

    def as_user(self, name: str):
        """Sign in as ``name`` (a real sign-in: password checked, audited)."""
        accounts.sign_in(self.store, name, PASSWORD)
        return self.store


def build(store) -> World:
    police = agency_id(store, "POLICE")
    council = agency_id(store, "CUMBERLAND")
    riverside = agency_id(store, "RIVERSIDE")
    a = new_case(store, "CAR-2026-0001", summary="Noise and threats at Hidden Lane flats")
    b = new_case(store, "CAR-2026-0002", summary="Drug dealing reported behind the shops")
    c = new_case(store, "CAR-2026-0003", summary="Tenancy breach at Riverside block")
    assignments.set_role(store, a, council, "lead")
    assignments.set_role(store, a, police, "support")
    assignments.set_role(store, b, police, "lead")
    assignments.set_role(store, c, riverside, "lead")
    timeline.add_note(store, a, POLICE_SECRET, "own_agency", police)
    timeline.add_note(store, a, SHARED_NOTE, "shared", council)
    with store.write(reason="test people") as s:
        victim = Person(id=uuid.uuid4(), full_name="Vera Victim", address=LOCKED_ADDRESS,
                        phone=LOCKED_PHONE, email="vera@example.org",
                        date_of_birth=date(1970, 1, 2), locked_down=True)  # fmt: skip
        s.add(victim)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=a, person_id=victim.id, role="victim"))
    hub = hub_id(store, "CAR")
    accounts.create_account(store, AccountDraft("ada", "Ada Admin", "administrator"), PASSWORD)
    accounts.sign_in(store, "ada", PASSWORD)
    codes = {"POLICE": police, "CUMBERLAND": council, "RIVERSIDE": riverside}
    for name, (role, agency) in ROLES.items():
        if name == "ada":
            continue
        draft = AccountDraft(name, name.title(), role, codes.get(agency), hub)
        accounts.create_account(store, draft, PASSWORD)
    return World(store, a, b, c, victim.id, police, council, riverside)
