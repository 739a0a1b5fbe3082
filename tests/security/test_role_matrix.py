"""The role matrix (issue 14), tested from its own data (hubapp.store.roles): every command
and sub-command, every menu item and every operation of the store, for every role.

* Completeness: a command of the parser, or a menu item of the window, with no entry in the
  matrix fails here; so does an entry with no way below to run it.
* The store: each operation is asked of the store directly, as each role (signed in with its
  own password): a role the matrix refuses gets the matrix's sentence and nothing changes; a
  role it allows is not refused.
* The command line: each command run through ``hubapp.cli.main`` as each role: refused in
  one sentence with exit code 1 and nothing changed (no file written), or not refused.
* The window: each menu item is offered exactly to the roles the matrix allows.
"""

from __future__ import annotations

import io
import shutil
import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from casework import STAFF, STAFF_PASSWORD, backup_as, run_command, staff_database, state

from hubapp.documents import letter as paper
from hubapp.documents import printing
from hubapp.domain.codes import StaffRole
from hubapp.domain.redaction import Profile
from hubapp.store import access, accounts, roles, setup
from hubapp.store.admin import audit_query, backup, retention, sharing, subject_access
from hubapp.store.casework import (
    actions,
    assignments,
    attachments,
    case_review,
    caseview,
    hub_orders,
    letters,
    links,
    merging,
    referrals,
    timeline,
    victim_contact,
    workflow,
)
from hubapp.store.casework.actions import ActionDraft
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.exchange import demo, export, importer
from hubapp.store.intake import form as intake
from hubapp.store.roles import Op
from hubapp.store.schema import Case, CasePerson, Person
from hubapp.sync import conflicts, credentials, share

#: the staff of the matrix's database, by role
WHO = {StaffRole(role): name for name, (role, _agency) in STAFF.items()}
ROLES = list(StaffRole)
SAVED_URL = "postgresql://station_car:saved-secret@127.0.0.1:9/central"
OTHER_URL = "postgresql://mallory:hers@127.0.0.1:9/elsewhere"
NEW_PASSWORD = "a brand new pass phrase"
CSV = ("received,hub,channel,category,summary\n"
       "01/05/2026 09:30,Carlisle,call_101,asb_nuisance,Bikes ridden at people in Bitts Park\n")  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A Carlisle station with an account of every role, two cases led by the council (the
    partner's and the read-only account's agency), a person, a saved central address, a
    backup of itself and a CSV file of reports."""
    folder = tmp_path_factory.mktemp("matrix")
    db = staff_database(folder / "hub.sqlite3")
    store = open_store(db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        assert credentials.save(store, SAVED_URL)
        with store.read() as s:
            case, second = s.query(Case).order_by(Case.seq).limit(2).all()
            case_id, ref, case2, ref2 = case.id, case.reference, second.id, second.reference
        with store.write(reason="test people") as s:
            person = Person(
                id=uuid.uuid4(),
                full_name="Vera Victim",
                phone="07700 900123",
                address="12 Eden Street, Carlisle, CA3 9LS",
            )
            s.add(person)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=person.id,
                             role="victim"))  # fmt: skip
            person_id = person.id
            # Vera again, as a second intake wrote her (a likely duplicate), and two more
            # people already merged (for the undo)
            twins = [Person(id=uuid.uuid4(), full_name=name, phone="07700 900123")
                     for name in ("Vera Victim", "Val Witness", "Val Witness")]  # fmt: skip
            s.add_all(twins)
            s.flush()
            for twin in twins:
                s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=twin.id,
                                 role="witness"))  # fmt: skip
            person2 = twins[0].id
        merged = merging.merge(store, twins[1].id, twins[2].id, "one person").merge_id
        attachment = attachments.add_bytes(store, case_id, b"%PDF-1.4 the matrix", "abc.pdf").id
        # Vera told that the case is closing: closing it is then the role's question only
        victim_contact.log_update(store, case_id, victim_contact.UpdateDraft(
            person_id, date(2026, 5, 4), "call", "Ada", "Closing: quiet since May",
            closing=True))  # fmt: skip
    finally:
        store.close()
    csv = folder / "reports.csv"
    csv.write_text(CSV, encoding="utf-8")
    own_backup = backup_as(db, "ada", folder / "own-backup.sqlite3")
    return SimpleNamespace(db=db, backup=own_backup, csv=csv, case=case_id, ref=ref,
                           case2=case2, ref2=ref2, person=person_id, person2=person2,
                           merge=merged, attachment=attachment)  # fmt: skip


@pytest.fixture
def station(template, tmp_path):
    """A fresh copy of the template, for one role and one operation."""
    db = tmp_path / "hub.sqlite3"
    shutil.copy(template.db, db)
    return SimpleNamespace(**{**vars(template), "db": db, "tmp": tmp_path})


# --- completeness --------------------------------------------------------------------------


def _parser_commands() -> set[str]:
    """Every command and sub-command of the parser, as "command sub"."""
    from hubapp.cli import build_parser

    def walk(parser, prefix: str) -> set[str]:
        found = set()
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            return {prefix}
        for name, sub in subs[0].choices.items():
            found |= walk(sub, f"{prefix} {name}".strip())
        return found

    return walk(build_parser(), "")


def test_every_command_of_the_parser_has_an_entry_and_every_entry_a_command():
    from hubapp.cli import build_parser

    commands = _parser_commands()
    assert commands, "the parser has commands"
    missing = sorted(commands - set(roles.COMMANDS))
    assert not missing, f"commands with no entry in hubapp.store.roles.COMMANDS: {missing}"
    parser = build_parser()
    for key in roles.COMMANDS:
        words, _, option = key.replace(" (own)", "").partition(" --")
        if not words:
            continue  # the window
        assert words in commands, f"{key!r} names no command"
        if option:  # "sync --central": the option exists on that command
            value = ([] if option in ("verify", "accept") else
                     ["off"] if option == "attachments" else ["x"])  # fmt: skip
            args = parser.parse_args([*words.split(), *_required(words), f"--{option}", *value])
            assert roles.command_key(args) == key


def _required(words: str) -> list[str]:
    """Enough arguments for the parser to accept ``words`` (for the option check above)."""
    return {"share": ["CAR-2026-0001", "--hub", "COP"], "unshare": ["CAR-2026-0001", "--hub",
            "COP"], "restore": ["backup.sqlite3"]}.get(words, [])  # fmt: skip


def test_every_menu_item_of_the_window_has_an_entry_with_its_path(qtbot):
    from hubapp.views.main_window import MainWindow

    window = MainWindow()
    window.remember_state = False
    qtbot.addWidget(window)
    found = {}
    for menu_action in window.menuBar().actions():
        for item in menu_action.menu().actions():
            if not item.isSeparator():
                path = f"{menu_action.text()} > {item.text()}".replace("&", "")
                found[item.objectName()] = path
    assert "" not in found, "a menu item without an object name"
    assert set(found) == set(roles.MENU), "menu items and hubapp.store.roles.MENU differ"
    for name, (path, _op) in roles.MENU.items():
        assert found[name] == path


def test_every_operation_has_a_rule_a_store_call_and_a_place_in_the_docs():
    assert set(roles.MAY) == set(Op)
    assert set(CORE) == set(Op), "each operation must be asked of the store below"
    assert set(EXAMPLES) == set(roles.COMMANDS), "each command must be run below"
    docs = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text("utf-8")
    assert roles.markdown_table() in docs, "docs/security.md's table is not the matrix's"


# --- the store, asked directly ---------------------------------------------------------------


def _version(store, case_id) -> int:
    with store.read() as s:
        return s.get(Case, case_id).row_version


def _restore(store, w):
    actor = store.account
    store.close()  # a restore needs the database closed
    return backup.restore(w.backup, w.db, actor=actor)


#: operation -> (how the store is asked, what an allowed role may still meet instead of
#: success: an error that is not a refusal, e.g. no central server in the tests)
CORE = {
    Op.VIEW: (lambda s, w: caseview.load(s, w.case), None),
    Op.PRINT: (lambda s, w: printing.case_summary(s, w.ref, Profile.PUBLIC), None),
    Op.EXPORT: (lambda s, w: export.export_cases(s, None, "csv", stream=io.BytesIO()), None),
    Op.NEW_ISSUE: (
        lambda s, w: intake.save(
            s,
            intake.IntakeForm(
                hub="CAR",
                channel="call_101",
                category="asb_nuisance",
                received="now",
                location="Bitts Park",
                town="Carlisle",
                summary="Bikes ridden at people",
                hate="no",
            ),
        ),
        None,
    ),  # fmt: skip
    Op.NOTE: (
        lambda s, w: timeline.add_note(s, w.case, "Seen at the park again", "shared"),
        None,
    ),  # fmt: skip
    Op.ACTIONS: (
        lambda s, w: actions.add_action(
            s,
            w.case,
            _agency(s, "CUMBERLAND"),
            ActionDraft("Write to the tenant"),
            today=date(2026, 5, 4),
        ),
        None,
    ),  # fmt: skip
    Op.EDIT_CASE: (
        lambda s, w: workflow.change_status(s, w.case, _version(s, w.case), "triaged"),
        None,
    ),  # fmt: skip
    Op.CLOSE_CASE: (
        lambda s, w: workflow.change_status(
            s,
            w.case,
            _version(s, w.case),
            "closed",
            outcome="resolved",
            rationale="Quiet for three months",
        ),
        None,
    ),  # fmt: skip
    Op.ASSIGN: (
        lambda s, w: assignments.set_role(s, w.case, _agency(s, "POLICE"), "support"),
        None,
    ),  # fmt: skip
    Op.LINK_CASES: (
        lambda s, w: links.link(
            s, w.case, w.case2, "same_problem", "The same park", move_contacts=True
        ),
        None,
    ),  # fmt: skip
    Op.IMPORT: (lambda s, w: importer.import_file(s, w.csv), None),
    Op.DEMO: (lambda s, w: demo.generate(s, 1), Exception),  # refused: it holds real cases
    Op.RETENTION: (lambda s, w: retention.due(s, date(2026, 5, 4)), None),
    Op.SHARE: (lambda s, w: share.share(s, SAVED_URL, w.ref, "Copeland"), Exception),
    Op.CONFLICTS: (lambda s, w: conflicts.resolve(s, "none", keep="kept"), Exception),
    Op.SYNC: (lambda s, w: credentials.load(s), None),
    Op.CENTRAL: (lambda s, w: credentials.load(s, OTHER_URL), None),
    Op.BACKUP: (lambda s, w: backup.backup(s, w.tmp / "copy.sqlite3"), None),
    Op.RESTORE: (_restore, None),
    Op.AUDIT: (lambda s, w: audit_query.page(s, audit_query.AuditFilter()), None),
    Op.AUDIT_VERIFY: (lambda s, w: audit_query.verify(s), None),
    Op.SUBJECT_ACCESS: (
        lambda s, w: subject_access.write(s, w.person, w.tmp / "sar.json"),
        None,
    ),  # fmt: skip
    Op.ACCOUNTS: (lambda s, w: accounts.list_accounts(s), None),
    Op.OWN_PASSWORD: (
        lambda s, w: accounts.set_password(s, s.account.user_name, NEW_PASSWORD),
        None,
    ),  # fmt: skip
    Op.SETUP: (lambda s, w: setup.configure(s, "Carlisle", "Carlisle Civic Centre"), None),
    Op.CHECK: (lambda s, w: backup.check(s.path), None),
    Op.LOCK: (lambda s, w: accounts.confirm(s, STAFF_PASSWORD), None),
    Op.HUB_ORDERS: (
        lambda s, w: hub_orders.add(
            s,
            hub_orders.OrderDraft(
                setup.current(s).hub_id,
                "City centre PSPO",
                _agency(s, "CUMBERLAND"),
                date(2026, 1, 1),
                date(2027, 1, 1),
            ),
        ),
        None,
    ),  # fmt: skip
    Op.MERGE_PEOPLE: (lambda s, w: merging.merge(s, w.person, w.person2, "one person"), None),
    Op.UNMERGE_PEOPLE: (lambda s, w: merging.unmerge(s, w.merge, "two people"), None),
    # the basis for sharing
    Op.AGREEMENTS: (
        lambda s, w: sharing.add(
            s,
            sharing.AgreementDraft(
                hub_id=setup.current(s).hub_id,
                agency_id=_agency(s, "FIRE"),
                name="Carlisle ISA",
                starts_on=date(2026, 1, 1),
                basis="crime_disorder_s115",
            ),
        ),
        None,
    ),  # fmt: skip
    Op.DISCLOSE_ANYWAY: (
        lambda s, w: printing.meeting_pack(
            s, "Carlisle", Profile.PARTNER, reason="testing the matrix"
        ),
        None,
    ),  # fmt: skip
    Op.SAFEGUARDING: (
        lambda s, w: referrals.add(
            s, referrals.ReferralDraft(w.case, w.person, "victim_support", date(2026, 5, 4))
        ),
        None,
    ),  # fmt: skip
    Op.VICTIM_CONTACT: (
        lambda s, w: victim_contact.log_update(
            s,
            w.case,
            victim_contact.UpdateDraft(
                w.person, date(2026, 5, 4), "call", "Sam Spoc", "Patrols start on Monday"
            ),
        ),
        None,
    ),  # fmt: skip
    Op.CASE_REVIEW: (
        lambda s, w: case_review.save_review(
            s,
            w.case,
            case_review.ReviewDraft(person_id=w.person, received_on=date(2026, 5, 4)),
            today=date(2026, 5, 4),
        ),
        None,
    ),  # fmt: skip
    Op.ATTACH: (lambda s, w: attachments.add_bytes(s, w.case, b"%PDF-1.4 new", "new.pdf"), None),
    Op.ATTACHMENT_COPY: (
        lambda s, w: attachments.get_to(s, w.attachment, w.tmp / "copy.pdf"),
        None,
    ),
    Op.ATTACHMENT_SETTINGS: (lambda s, w: attachments.set_limits(s, file_mb=10), None),
    Op.LETTERS: (
        lambda s, w: paper.send(
            s,
            w.case,
            "victim_update",
            [w.person],
            None if access.agency_id(s) else "CUMBERLAND",
            output=w.tmp / "letter.pdf",
        ),  # from the account's agency
        None,
    ),  # fmt: skip
    Op.LETTER_TEMPLATES: (
        lambda s, w: letters.save_template(s, letters.versions(s, "cpw")[-1], "Reworded"),
        None,
    ),  # fmt: skip
    Op.EXPLAIN_REVIEW: (
        lambda s, w: case_review.record_explanation(
            s, w.case, w.person, date(2026, 5, 4), "call", today=date(2026, 5, 4)
        ),
        None,
    ),  # fmt: skip
}


def _agency(store, code):
    from casework import agency_id

    return agency_id(store, code)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(
        ("-wal", "-shm"))}  # fmt: skip


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("op", list(Op), ids=[o.value for o in Op])
def test_the_store_refuses_what_the_matrix_refuses(station, op, role):
    store = open_store(station.db)
    try:
        accounts.sign_in(store, WHO[role], STAFF_PASSWORD)  # the role's own password
        call, allowed_failure = CORE[op]
        before, files = state(station.db), _files(station.tmp)
        if roles.may_role(role, op):
            try:
                call(store, station)
            except Refused as exc:
                if not (allowed_failure and isinstance(exc, allowed_failure)) or _access(exc):
                    pytest.fail(f"{role.value} was refused {op.value}: {exc}")
            except Exception as exc:  # e.g. no central server here
                if allowed_failure is None:
                    raise
                assert not _access(exc)
            return
        with pytest.raises(Refused) as refused:
            call(store, station)
        assert str(refused.value) == roles.refusal(op, role)
        assert state(station.db) == before and _files(station.tmp) == files
    finally:
        store.close()


def _access(exc) -> bool:
    """Whether ``exc`` is a refusal by the role matrix (of any operation or role)."""
    sentences = {roles.refusal(o, r) for o in Op for r in ROLES if not roles.may_role(r, o)}
    return isinstance(exc, access.AccessRefused) or str(exc) in sentences


# --- the command line ------------------------------------------------------------------------

#: how each command is run; None where no station account applies or it opens the window
EXAMPLES: dict[str, list[str] | None] = {
    "": None,  # the window: its menu items are tested below
    "selftest": None,  # paints the window (viewing only, every role)
    "central init": None,  # PostgreSQL administrators: no station database
    "central add-station": None,
    "central snapshot": None,
    "setup": ["setup", "--hub", "Carlisle", "--station", "Carlisle Civic Centre"],
    "demo": ["demo", "--cases", "1"],
    "print case": ["print", "case", "{ref}", "-o", "{tmp}/case.pdf"],
    "print pack": ["print", "pack", "--hub", "Carlisle", "-o", "{tmp}/pack.pdf"],
    "print actions": ["print", "actions", "--agency", "CUMBERLAND", "-o", "{tmp}/actions.pdf"],
    "export cases": ["export", "cases", "-o", "{tmp}/cases.csv"],
    "export actions": ["export", "actions", "-o", "{tmp}/actions.csv"],
    "import": ["import", "{csv}"],
    "sync": ["sync"],
    "sync --central": ["sync", "--central", OTHER_URL],
    "sync --attachments": ["sync", "--attachments", "off"],
    "share": ["share", "{ref}", "--hub", "Copeland"],
    "share --central": ["share", "{ref}", "--hub", "Copeland", "--central", OTHER_URL],
    "unshare": ["unshare", "{ref}", "--hub", "Copeland"],
    "unshare --central": ["unshare", "{ref}", "--hub", "Copeland", "--central", OTHER_URL],
    "accounts list": ["accounts", "list"],
    "accounts add": ["accounts", "add", "newbie", "--role", "partner"],
    "accounts disable": ["accounts", "disable", "{other}"],
    "accounts enable": ["accounts", "enable", "{other}"],
    "accounts unlock": ["accounts", "unlock", "{other}"],
    "accounts set-password": ["accounts", "set-password", "{other}"],
    "accounts set-password (own)": ["accounts", "set-password", "{me}"],
    "accounts set-role": ["accounts", "set-role", "{other}", "police"],
    "accounts idle-lock": ["accounts", "idle-lock", "5"],
    "backup": ["backup", "-o", "{tmp}/copy.sqlite3"],
    "restore": ["restore", "{backup}"],
    "restore --override": ["restore", "{backup}", "--override", "testing the matrix"],
    "check": ["check"],
    "audit": ["audit", "-o", "{tmp}/audit.csv"],
    "audit --verify": ["audit", "--verify"],
    "audit --accept": ["audit", "--accept", "--reason", "testing the matrix"],
    "subject-access": ["subject-access", "--person", "Vera Victim", "-o", "{tmp}/sar.json"],
    "retention list": ["retention", "list"],
    "person find": ["person", "find", "07700 900123"],
    "person show": ["person", "show", "{person}"],
    "person duplicates": ["person", "duplicates"],
    "person merge": ["person", "merge", "{person}", "{person2}", "--reason", "one person"],
    "person unmerge": ["person", "unmerge", "{merge}", "--reason", "two people"],
    "person distinct": ["person", "distinct", "{person}", "{person2}"],
    "case link": ["case", "link", "{ref}", "{ref2}", "--kind", "related", "--reason", "Same park"],
    "referral add": ["referral", "add", "{ref}", "--person", "{person}", "--pathway",
                     "victim_support", "--on", "04/05/2026"],  # fmt: skip
    "retention keep": [
        "retention",
        "keep",
        "{ref}",
        "--until",
        "01/01/2030",
        "--reason",
        "Still needed",
    ],  # fmt: skip
    "retention erase": ["retention", "erase", "{ref}", "--reason", "Past its time", "--yes"],
    # the basis for sharing
    "agreements list": ["agreements", "list"],
    "agreements add": ["agreements", "add", "--agency", "FIRE", "--name", "Carlisle ISA",
                       "--from", "01/01/2026", "--basis", "crime_disorder_s115"],
    "agreements end": ["agreements", "end", "abcdef12"],
    "person consent": ["person", "consent", "{person}", "--given"],
    "victim plan": ["victim", "plan", "{ref}", "--person", "{person}", "--spoc", "Sam Spoc",
                    "--agency", "CUMBERLAND"],
    "victim update": ["victim", "update", "{ref}", "--person", "{person}", "--how", "call",
                      "--by", "Sam Spoc", "--said", "Patrols start on Monday"],
    "victims overdue": ["victims", "overdue"],
    "person add": ["person", "add", "{ref}", "--name", "Nia New", "--role", "witness"],
    "intervention add": ["intervention", "add", "{ref}", "--type", "abc", "--person",
                         "{person}", "--from", "01/05/2026", "--agency", "POLICE"],
    "interventions due": ["interventions", "due"],
    "case-review queue": ["case-review", "queue", "--format", "json"],
    "case-review return": ["case-review", "return", "--year", "2026", "--format", "csv"],
    "attach": ["attach", "{ref}", "{csv}"],
    "attachments": ["attachments", "{ref}"],
    "attachment get": ["attachment", "get", "{attachment}", "-o", "{tmp}/copy.pdf"],
    "attachments-settings": ["attachments-settings"],
    "attachments-settings --file-mb": ["attachments-settings", "--file-mb", "10"],
    "letter": ["letter", "{ref}", "--template", "victim_update", "--to", "{person}", "--agency",
               "CUMBERLAND", "-o", "{tmp}/letter.pdf"],
    "letters templates": ["letters", "templates"],
}  # fmt: skip

RUN = [(k, r) for k, v in EXAMPLES.items() if v is not None for r in ROLES]


@pytest.mark.parametrize("key, role", RUN, ids=[f"{k}-{r.value}" for k, r in RUN])
def test_the_command_line_refuses_what_the_matrix_refuses(station, key, role, monkeypatch,
                                                          capsys):  # fmt: skip
    me = WHO[role]
    other = "cora" if me != "cora" else "pete"
    words = [w.format(ref=station.ref, tmp=station.tmp, csv=station.csv, backup=station.backup,
                      me=me, other=other, person=station.person.hex, ref2=station.ref2,
                      person2=station.person2.hex, merge=station.merge,
                      attachment=station.attachment.hex)
             for w in EXAMPLES[key]]  # fmt: skip
    op = roles.COMMANDS[key].op
    before, files = state(station.db), _files(station.tmp)
    code, out, err = run_command(station.db, "--user", me, *words, password=STAFF_PASSWORD,
                                 new=NEW_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    if roles.may_role(role, op):
        assert not _refused_sentence(err), f"{me} ({role.value}) was refused {key}: {err}"
        return
    assert (code, err) == (1, f"hubapp: {roles.refusal(op, role)}\n"), out
    assert state(station.db) == before and _files(station.tmp) == files


def _refused_sentence(err: str) -> bool:
    lines = [line.removeprefix("hubapp: ") for line in err.splitlines()]
    sentences = {roles.refusal(o, r) for o in Op for r in ROLES if not roles.may_role(r, o)}
    return any(line in sentences or line == access.SIGN_IN_FIRST for line in lines)


def test_the_matrix_has_teeth():
    """The table refuses something to every role but the administrator, and the sentences
    differ where the roles do."""
    for role in ROLES:
        refused = [op for op in Op if not roles.may_role(role, op)]
        assert bool(refused) == (role is not StaffRole.ADMINISTRATOR), role
    assert (
        roles.refusal(Op.BACKUP, StaffRole.PARTNER)
        == "Only an administrator can back up the database."
    )
    assert roles.refusal(Op.IMPORT, StaffRole.READ_ONLY) == (
        "Only a coordinator, police staff or an administrator can import issues.")  # fmt: skip
    assert roles.may_role(None, Op.BACKUP) and not roles.may_role(None, Op.LOCK)


# --- the window ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, *ROLES], ids=["no accounts", *(r.value for r in ROLES)])
def test_the_window_offers_each_menu_item_to_the_roles_the_matrix_allows(qtbot, station, role):
    from hubapp.views.main_window import MainWindow

    account = None
    if role is not None:
        store = open_store(station.db)
        try:
            account = accounts.sign_in(store, WHO[role], STAFF_PASSWORD)
        finally:
            store.close()
    window = MainWindow()
    window.remember_state = False
    qtbot.addWidget(window)
    window.show_sync(True)  # a station with a central database: its items are offered too
    window.set_account(account)
    shown = {a.objectName(): a.isVisible() for a in window.menu_actions()}
    expected = {name: roles.may_role(role, op) for name, (_path, op) in roles.MENU.items()}
    assert shown == expected
    window.show_sync(False)  # and never without one
    assert not window.sync_now_action.isVisible() and not window.sync_conflicts_action.isVisible()


# --- around the table ------------------------------------------------------------------------


def test_a_read_only_session_writes_nothing_in_bulk_either(station):
    """How the hostile test's read-only import got in: a bulk INSERT is not a row the session
    tracks. The store refuses any INSERT, UPDATE or DELETE a read-only account's session runs."""
    from sqlalchemy import insert, update

    store = open_store(station.db)
    try:
        accounts.sign_in(store, "rory", STAFF_PASSWORD)
        before = state(station.db)
        for statement in (
            update(Case).values(summary="Changed in bulk"),
            insert(Person).values(id=uuid.uuid4(), full_name="Someone Else"),
        ):
            with pytest.raises(access.AccessRefused, match="^Your account is read-only"):
                with store.write(reason="bulk") as s:
                    s.execute(statement)
        assert state(station.db) == before
    finally:
        store.close()


def test_a_store_nobody_signed_in_to_is_refused(station):
    """A caller that opens a database with staff accounts and forgets the sign-in gets no
    database without rules."""
    store = open_store(station.db)
    try:
        before = state(station.db)
        for op in (Op.BACKUP, Op.IMPORT, Op.AUDIT_VERIFY, Op.SETUP):
            with pytest.raises(Refused) as refused:
                CORE[op][0](store, station)
            assert str(refused.value) == access.SIGN_IN_FIRST
        assert state(station.db) == before and not (station.tmp / "copy.sqlite3").exists()
    finally:
        store.close()
