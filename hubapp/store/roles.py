"""Who may do what: the role matrix, as data (no Qt, no database).

Every operation a person can ask of hubapp is an :class:`Op`; :data:`MAY` says which roles
may do it. :data:`COMMANDS` gives the operation of every command-line command and
sub-command (and of the options that change what a command does), :data:`MENU` that of every
menu item of the main window.

* The store enforces the table where the work is done (:func:`hubapp.store.access.require`),
  so no caller can forget it: the command line, the window and scripts alike.
* The command line refuses up front what the table refuses (before asking for anything), and
  the window does not offer it (its menu items are hidden).
* ``docs/security.md`` shows the table (a test keeps the two the same), and
  ``tests/security/test_role_matrix.py`` is generated from it: a command or menu item without
  an entry here, or an operation the store is not asked to refuse, fails it.

A database without staff accounts has no roles: everything is allowed there, as before
(except locking the windows, which needs someone signed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hubapp.domain.codes import StaffRole

COORDINATOR, POLICE, PARTNER = StaffRole.COORDINATOR, StaffRole.POLICE, StaffRole.PARTNER
READ_ONLY, ADMINISTRATOR = StaffRole.READ_ONLY, StaffRole.ADMINISTRATOR
EVERYONE = frozenset(StaffRole)
WRITERS = EVERYONE - {READ_ONLY}


class Op(StrEnum):
    """An operation a person asks of hubapp (the rows of the matrix)."""

    VIEW = "view"
    PRINT = "print"
    EXPORT = "export"
    NEW_ISSUE = "new issue"
    NOTE = "note"
    ACTIONS = "actions"
    EDIT_CASE = "edit case"
    CLOSE_CASE = "close case"
    ASSIGN = "assign"
    LINK_CASES = "link cases"
    IMPORT = "import"
    DEMO = "demo"
    RETENTION = "retention"
    SHARE = "share"
    CONFLICTS = "conflicts"
    SYNC = "sync"
    CENTRAL = "central address"
    BACKUP = "backup"
    RESTORE = "restore"
    AUDIT = "audit"
    AUDIT_VERIFY = "audit verify"
    SUBJECT_ACCESS = "subject access"
    ACCOUNTS = "accounts"
    OWN_PASSWORD = "own password"
    SETUP = "setup"
    CHECK = "check"
    LOCK = "lock"
    MERGE_PEOPLE = "merge people"
    UNMERGE_PEOPLE = "undo a merge"
    # the basis for sharing (hubapp.store.admin.sharing)
    AGREEMENTS = "sharing agreements"
    DISCLOSE_ANYWAY = "disclose without an agreement"
    SAFEGUARDING = "safeguarding"
    VICTIM_CONTACT = "victim contact"
    HUB_ORDERS = "hub orders"
    CASE_REVIEW = "ASB Case Review"
    EXPLAIN_REVIEW = "explain the ASB Case Review"
    # files on cases (hubapp.store.casework.attachments)
    ATTACH = "attach files"
    ATTACHMENT_COPY = "copy attachments out"
    ATTACHMENT_SETTINGS = "attachment limits"
    LETTERS = "send letters"
    LETTER_TEMPLATES = "edit letter templates"


@dataclass(frozen=True)
class Rule:
    #: the roles that may
    roles: frozenset[StaffRole]
    #: what it is, for the refusal ("Only an administrator can back up the database.")
    doing: str
    #: why the table says so (docs/security.md)
    why: str = ""
    #: a read-only account refused it is told that it is read-only (a change every other
    #: role may make), rather than who may
    tell_read_only: bool = False
    #: where else in the window it is asked for (beside the main window's menu items)
    elsewhere: str = ""


#: the matrix: which roles may do each operation
MAY: dict[Op, Rule] = {
    Op.VIEW: Rule(
        EVERYONE,
        "see cases",
        "within what the role sees: partner and read-only "
        "staff of an agency see their agency's cases",
    ),
    Op.PRINT: Rule(
        EVERYONE,
        "print documents",
        "what the role sees, with the chosen profile; recorded as a disclosure",
    ),
    Op.EXPORT: Rule(EVERYONE, "export records", "what the role sees; recorded as a disclosure"),
    Op.NEW_ISSUE: Rule(
        WRITERS,
        "record a new issue",
        "partners bring reports to the hub too",
        tell_read_only=True,
        elsewhere="the intake form",
    ),
    Op.NOTE: Rule(
        WRITERS,
        "add notes",
        "on the cases the role sees",
        tell_read_only=True,
        elsewhere="case window: Timeline",
    ),
    Op.ACTIONS: Rule(
        WRITERS,
        "add or work actions",
        "partners only their own agency's",
        tell_read_only=True,
        elsewhere="case window: Actions; View > Agency's actions",
    ),
    Op.EDIT_CASE: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "change a case",
        "summary, status, SARA stage, interventions",
        tell_read_only=True,
        elsewhere="case window: Summary, SARA plan, Interventions",
    ),
    Op.CLOSE_CASE: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "close or reopen a case",
        tell_read_only=True,
        elsewhere="case window: Summary (status)",
    ),
    Op.ASSIGN: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "assign agencies to cases",
        tell_read_only=True,
        elsewhere="View > Assignment grid (its cells)",
    ),
    Op.LINK_CASES: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "link cases",
        "related, or the same problem, which may move the other case's contacts and close "
        "it: the hub's decision, as closing and assigning are",
        tell_read_only=True,
        elsewhere="case window: People & places > Link a case…",
    ),
    Op.IMPORT: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "import issues",
        "an import writes new cases in bulk, from the 101 log and online forms: "
        "those who change cases",
    ),
    Op.DEMO: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "add demo data",
        "training data among real cases: those who run the hub",
    ),
    Op.RETENTION: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "review retention",
        "the list names closed cases and people of every agency; keeping and "
        "erasing are the hub's decisions",
    ),
    Op.SHARE: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "share cases with another hub",
        "a disclosure of a whole case to another hub",
        elsewhere="case window: Shared with…",
    ),
    Op.CONFLICTS: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "settle sync conflicts",
        "settling a conflict changes the record",
    ),
    Op.SYNC: Rule(
        EVERYONE,
        "sync",
        "the station's work, not the person's: it sends this "
        "station's changes to the address an administrator saved",
    ),
    Op.CENTRAL: Rule(
        frozenset({ADMINISTRATOR}),
        "change this station's central database",
        "an address given by hand decides where the station's changes go",
    ),
    Op.BACKUP: Rule(
        frozenset({ADMINISTRATOR}),
        "back up the database",
        "a backup is a copy of everything: every case of every agency, every "
        "staff password hash, the whole audit log; the daily automatic backup "
        "runs whoever is signed in, into the backups folder only",
    ),
    Op.RESTORE: Rule(
        frozenset({ADMINISTRATOR}),
        "restore a backup",
        "replaces everything, and may override the restore's checks",
    ),
    Op.AUDIT: Rule(
        frozenset({ADMINISTRATOR}), "read the audit log", "it shows who looked at which records"
    ),
    Op.AUDIT_VERIFY: Rule(
        frozenset({ADMINISTRATOR}),
        "verify the audit log",
        "checking it, and accepting a log found broken, are the administrator's duty",
        elsewhere="Tools > Audit log… > Verify chain",
    ),
    Op.MERGE_PEOPLE: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "review and merge duplicate people",
        "the review lists people of every agency's cases the role sees; a merge changes "
        "every case naming them",
    ),
    Op.UNMERGE_PEOPLE: Rule(
        frozenset({ADMINISTRATOR}),
        "undo a merge of people",
        "within 30 days; moves links back across cases",
    ),
    Op.SUBJECT_ACCESS: Rule(
        frozenset({ADMINISTRATOR}),
        "export a person's records for a subject access request",
        "everything held about a person, across agencies",
        elsewhere="case window: People & places > Subject access export…",
    ),
    Op.ACCOUNTS: Rule(
        frozenset({ADMINISTRATOR}),
        "manage staff accounts",
        "without accounts anyone makes the first administrator",
    ),
    Op.OWN_PASSWORD: Rule(EVERYONE, "change their own password"),
    Op.SETUP: Rule(
        frozenset({ADMINISTRATOR}),
        "change this PC's hub and station",
        elsewhere="the first start's questions",
    ),
    Op.CHECK: Rule(EVERYONE, "check the database", "reads only"),
    Op.LOCK: Rule(EVERYONE, "lock the windows", "only where someone is signed in"),
    # the basis for sharing (hubapp.store.admin.sharing)
    Op.AGREEMENTS: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "keep the register of sharing agreements",
        "the register decides which disclosures need a reason; everyone may read it",
        tell_read_only=True,
    ),
    Op.DISCLOSE_ANYWAY: Rule(
        frozenset({COORDINATOR, ADMINISTRATOR}),
        "disclose to an agency without a current sharing agreement",
        "with a reason, which the disclosure's audit entry keeps: the hub's decision",
        elsewhere="assigning an agency, sharing a case, printing a partner pack",
    ),
    Op.SAFEGUARDING: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "flag vulnerable adults and record referrals",
        "a flag and a referral change what every agency sees about a person, and MARAC and "
        "Channel referrals are for these roles only: those who change cases",
        tell_read_only=True,
        elsewhere="person page: Safeguarding…, Add referral…; case window: People & places > "
        "Add referral…",
    ),
    Op.VICTIM_CONTACT: Rule(
        WRITERS,
        "record victim contact plans and updates",
        "on the cases the role sees: a partner may be a victim's single point of contact",
        tell_read_only=True,
        elsewhere="case window: Victim contact",
    ),
    Op.HUB_ORDERS: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "record area orders such as PSPOs",
        "a council's order over an area, which the hub's cases cite; everyone sees them",
        tell_read_only=True,
        elsewhere="Tools > Area orders (PSPOs)… (new, change)",
    ),
    Op.CASE_REVIEW: Rule(
        frozenset({COORDINATOR, POLICE, ADMINISTRATOR}),
        "record ASB Case Review applications, decisions and outcomes",
        "the relevant bodies' decisions (ASBCPA 2014 s.104), as changing a case is; "
        "recommendations become actions of the agencies",
        tell_read_only=True,
        elsewhere="View > ASB Case Review queue (New application…); case window: ASB Case Review…",
    ),
    Op.EXPLAIN_REVIEW: Rule(
        WRITERS,
        "record that the ASB Case Review was explained to a victim",
        "the victim's single point of contact may be a partner's officer; on the cases the "
        "role sees",
        tell_read_only=True,
        elsewhere="View > ASB Case Review queue (Record explanation…); case window: ASB "
        "Case Review…",
    ),
    Op.ATTACH: Rule(
        WRITERS,
        "attach files to cases",
        "photos, letters, statements and evidence, on the cases the role sees; a partner "
        "removes only the files they added",
        tell_read_only=True,
        elsewhere="case window: Attachments (Add files…, Paste image, Remove from case)",
    ),
    Op.ATTACHMENT_COPY: Rule(
        WRITERS,
        "take copies of attached files out of hubapp",
        "a copy on disk or in another program leaves the encrypted database: a disclosure, "
        "audited; read-only staff view files in the app only",
        elsewhere="case window: Attachments (Open in another program…, Save a copy…)",
    ),
    Op.ATTACHMENT_SETTINGS: Rule(
        frozenset({ADMINISTRATOR}),
        "set the limits on attached files",
        "the size limits per file and per case, and whether photos are kept with their "
        "location data too",
    ),
    Op.LETTERS: Rule(
        WRITERS,
        "send letters from a case",
        "a letter discloses the case to the person written to; on the cases the role sees, "
        "from the account's own agency, which coordinators and administrators may change",
        tell_read_only=True,
        elsewhere="case window: Communications > Write a letter…",
    ),
    Op.LETTER_TEMPLATES: Rule(
        frozenset({ADMINISTRATOR}),
        "edit the standard letters",
        "the hub's wording of warnings and notices; each edit is a new version, with a reason",
    ),
}


def may_role(role: StaffRole | str | None, op: Op | None) -> bool:
    """Whether ``role`` may do ``op``; ``role`` None: a database without accounts, where
    everything is allowed but locking. ``op`` None: no operation (anyone)."""
    if op is None:
        return True
    if role is None:
        return op is not Op.LOCK
    return StaffRole(role) in MAY[op].roles


_WHO = {
    COORDINATOR: "a coordinator", POLICE: "police staff", PARTNER: "partner staff",
    READ_ONLY: "read-only staff", ADMINISTRATOR: "an administrator",
}  # fmt: skip
READ_ONLY_SENTENCE = "Your account is read-only: it cannot change anything."
PARTNER_CASE_SENTENCE = (
    "Partner staff add notes and work their own agency's actions; ask a coordinator to "
    "change the case itself."
)


def refusal(op: Op, role: StaffRole | str) -> str:
    """The sentence ``role`` gets when refused ``op``."""
    role = StaffRole(role)
    rule = MAY[op]
    if role is READ_ONLY and rule.tell_read_only:
        return READ_ONLY_SENTENCE
    if op is Op.EDIT_CASE and role is PARTNER:
        return PARTNER_CASE_SENTENCE
    who = [_WHO[r] for r in StaffRole if r in rule.roles]
    if len(who) > 1:
        who = [", ".join(who[:-1]) + " or " + who[-1]]
    return f"Only {who[0]} can {rule.doing}."


# --- where each operation is asked for ------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    op: Op | None
    #: the store function that does the work (and enforces the table)
    where: str = ""
    note: str = ""


#: every command and sub-command; "name --option" where an option changes what it does;
#: "" is the window (``hubapp`` without a command). op None: not a station database's (no
#: account applies: the PostgreSQL administrator's password decides).
COMMANDS: dict[str, Entry] = {
    "": Entry(Op.VIEW, "", "the window: each menu item as below"),
    "setup": Entry(Op.SETUP, "setup.configure", "without accounts: anyone (the first start)"),
    "demo": Entry(Op.DEMO, "demo.generate"),
    "selftest": Entry(Op.VIEW, "app.run_selftest"),
    "print case": Entry(Op.PRINT, "documents.printing"),
    "print pack": Entry(Op.PRINT, "documents.printing"),
    "print actions": Entry(Op.PRINT, "documents.printing"),
    "export cases": Entry(Op.EXPORT, "export.export_cases"),
    "export actions": Entry(Op.EXPORT, "export.export_actions"),
    "import": Entry(Op.IMPORT, "importer.import_file"),
    "sync": Entry(Op.SYNC, "sync.engine", "with the saved address"),
    "sync --central": Entry(Op.CENTRAL, "sync.credentials.load"),
    "sync --attachments": Entry(Op.CENTRAL, "sync.files.set_content_sync", "on or off"),
    "share": Entry(Op.SHARE, "sync.share.share", "with the saved address"),
    "share --central": Entry(Op.CENTRAL, "sync.credentials.load"),
    "unshare": Entry(Op.SHARE, "sync.share.unshare", "with the saved address"),
    "unshare --central": Entry(Op.CENTRAL, "sync.credentials.load"),
    "central init": Entry(None, "sync.central", "PostgreSQL administrators"),
    "central add-station": Entry(None, "sync.central", "PostgreSQL administrators"),
    "central snapshot": Entry(None, "sync.central", "PostgreSQL administrators"),
    "accounts list": Entry(Op.ACCOUNTS, "accounts.list_accounts"),
    "accounts add": Entry(Op.ACCOUNTS, "accounts.create_account"),
    "accounts disable": Entry(Op.ACCOUNTS, "accounts.set_disabled"),
    "accounts enable": Entry(Op.ACCOUNTS, "accounts.set_disabled"),
    "accounts unlock": Entry(Op.ACCOUNTS, "accounts.unlock"),
    "accounts set-password": Entry(Op.ACCOUNTS, "accounts.set_password", "another's"),
    "accounts set-password (own)": Entry(Op.OWN_PASSWORD, "accounts.set_password"),
    "accounts set-role": Entry(Op.ACCOUNTS, "accounts.set_role"),
    "accounts idle-lock": Entry(Op.ACCOUNTS, "accounts.set_idle_lock_minutes"),
    "backup": Entry(Op.BACKUP, "backup.backup"),
    "restore": Entry(Op.RESTORE, "backup.restore"),
    "restore --override": Entry(Op.RESTORE, "backup.restore"),
    "check": Entry(Op.CHECK, "backup.check"),
    "audit": Entry(Op.AUDIT, "audit_query.export"),
    "audit --verify": Entry(Op.AUDIT_VERIFY, "audit_query.verify"),
    "audit --accept": Entry(Op.AUDIT_VERIFY, "audit.accept"),
    "subject-access": Entry(Op.SUBJECT_ACCESS, "subject_access.write"),
    "retention list": Entry(Op.RETENTION, "retention.due"),
    "retention keep": Entry(Op.RETENTION, "retention.decide"),
    "retention erase": Entry(Op.RETENTION, "retention.erase"),
    "person find": Entry(Op.VIEW, "people.find", "the people on the cases the role sees"),
    "person show": Entry(Op.VIEW, "people.show", "audited as a consultation"),
    "person duplicates": Entry(Op.MERGE_PEOPLE, "merging.duplicates"),
    "person merge": Entry(Op.MERGE_PEOPLE, "merging.merge", "audited as a combination"),
    "person unmerge": Entry(Op.UNMERGE_PEOPLE, "merging.unmerge", "within 30 days"),
    "person distinct": Entry(Op.MERGE_PEOPLE, "merging.mark_distinct"),
    "case link": Entry(Op.LINK_CASES, "links.link"),
    # the basis for sharing (hubapp.store.admin.sharing)
    "agreements list": Entry(Op.VIEW, "sharing.register", "names agencies, not people"),
    "agreements add": Entry(Op.AGREEMENTS, "sharing.add"),
    "agreements end": Entry(Op.AGREEMENTS, "sharing.end"),
    "person consent": Entry(Op.EDIT_CASE, "sharing.set_consent"),
    "referral add": Entry(Op.SAFEGUARDING, "referrals.add"),
    "victim plan": Entry(Op.VICTIM_CONTACT, "victim_contact.set_plan"),
    "victim update": Entry(Op.VICTIM_CONTACT, "victim_contact.log_update"),
    "victims overdue": Entry(Op.VIEW, "victim_contact.overdue", "the cases the role sees"),
    "person add": Entry(Op.EDIT_CASE, "case_people.add_person"),
    "intervention add": Entry(Op.EDIT_CASE, "interventions.add"),
    "interventions due": Entry(Op.VIEW, "orders_due.due", "the cases the role sees"),
    "case-review queue": Entry(Op.VIEW, "case_review.queue", "audited as a consultation"),
    "case-review return": Entry(Op.VIEW, "case_review.yearly_return", "counts only"),
    "attach": Entry(Op.ATTACH, "attachments.add_file", "audited as a collection"),
    "attachments": Entry(Op.VIEW, "attachments.for_case", "the cases the role sees"),
    "attachment get": Entry(Op.ATTACHMENT_COPY, "attachments.get_to", "audited as a disclosure"),
    "attachments-settings": Entry(Op.VIEW, "attachments.limits", "shows the limits"),
    "attachments-settings --file-mb": Entry(
        Op.ATTACHMENT_SETTINGS, "attachments.set_limits", "or --case-mb, --keep-original"
    ),
    "letter": Entry(Op.LETTERS, "letters.send", "audited as a disclosure to each recipient"),
    "letters templates": Entry(Op.VIEW, "letters.templates", "the wording, no personal data"),
}

#: every menu item of the main window, by its object name: (menu path, operation); op None:
#: anyone. Sync's items show only where a central database is set up.
MENU: dict[str, tuple[str, Op | None]] = {
    "importAction": ("File > Import reports…", Op.IMPORT),
    "exportCasesAction": ("File > Export cases…", Op.EXPORT),
    "newIssueAction": ("File > New issue…", Op.NEW_ISSUE),
    "draftsAction": ("File > Resume a draft…", Op.NEW_ISSUE),
    "printAction": ("File > Print…", Op.PRINT),
    "backupAction": ("File > Back up now…", Op.BACKUP),
    "restoreAction": ("File > Restore from backup…", Op.RESTORE),
    "lockAction": ("File > Lock", Op.LOCK),
    "quitAction": ("File > Exit", None),
    "findAction": ("View > Find cases", Op.VIEW),
    "refreshAction": ("View > Refresh", Op.VIEW),
    "thisHubAction": ("View > This hub's cases", Op.VIEW),
    "gridAction": ("View > Assignment grid", Op.VIEW),
    "agencyActionsAction": ("View > Agency's actions", Op.VIEW),
    "meetingsAction": ("View > Meetings", Op.VIEW),
    "peopleAction": ("View > People", Op.VIEW),
    "allHubsAction": ("View > All hubs' cases", Op.VIEW),
    "openOnlyAction": ("View > Open cases only", Op.VIEW),
    "allStatusAction": ("View > Cases of any status", Op.VIEW),
    "detailsAction": ("View > Show details pane", Op.VIEW),
    "resetColumnsAction": ("View > Reset columns", Op.VIEW),
    "demoAction": ("Tools > Add demo data for training…", Op.DEMO),
    "auditLogAction": ("Tools > Audit log…", Op.AUDIT),
    "retentionAction": ("Tools > Retention review…", Op.RETENTION),
    "duplicatesAction": ("Tools > Duplicate people…", Op.MERGE_PEOPLE),
    "accountsAction": ("Tools > Accounts…", Op.ACCOUNTS),
    "centralAction": ("Tools > Central database…", Op.CENTRAL),
    "syncNowAction": ("Tools > Sync now", Op.SYNC),
    "syncConflictsAction": ("Tools > Sync conflicts…", Op.CONFLICTS),
    "shortcutsAction": ("Help > Keyboard shortcuts", None),
    "aboutAction": ("Help > About", None),
    "agreementsAction": ("Tools > Sharing agreements…", Op.AGREEMENTS),
    "ordersDueAction": ("View > Orders ending or due", Op.VIEW),
    "areaOrdersAction": ("Tools > Area orders (PSPOs)…", Op.VIEW),
    "caseReviewQueueAction": ("View > ASB Case Review queue…", Op.VIEW),
    "letterTemplatesAction": ("Tools > Letter templates…", Op.LETTER_TEMPLATES),
}


def command_key(args, acting_user: str = "") -> str:
    """The :data:`COMMANDS` key of a parsed command line (``acting_user``: who signed in, to
    tell one's own password from another's)."""
    command = getattr(args, "command", None)
    if command is None:
        return ""
    sub = {
        "print": "what", "export": "what", "central": "what", "accounts": "what", "person": "what",
        "case": "what", "agreements": "what", "referral": "what",
        "victim": "what", "victims": "what", "intervention": "what", "interventions": "what",
        "case-review": "what", "attachment": "what", "letters": "what",
        "retention": "retention_command",
    }.get(command)  # fmt: skip
    key = f"{command} {getattr(args, sub)}" if sub else command
    if (
        key == "accounts set-password"
        and acting_user
        and (acting_user.strip().casefold() == (getattr(args, "name", "") or "").strip().casefold())
    ):
        return "accounts set-password (own)"
    if command in ("sync", "share", "unshare") and getattr(args, "central", None):
        return f"{key} --central"
    if command == "sync" and getattr(args, "attachments", None):
        return "sync --attachments"
    if command == "attachments-settings" and any(
        getattr(args, o, None) is not None for o in ("file_mb", "case_mb", "keep_original")
    ):
        return "attachments-settings --file-mb"
    if command == "restore" and getattr(args, "override", None):
        return "restore --override"
    if command == "audit":
        if getattr(args, "accept", False):
            return "audit --accept"
        if getattr(args, "verify", False):
            return "audit --verify"
    return key


def markdown_table() -> str:
    """The matrix as docs/security.md shows it (a test keeps them the same)."""
    roles = list(StaffRole)
    head = "| Operation | " + " | ".join(r.label for r in roles) + " | Command line | Window |"
    lines = [head, "|" + " --- |" * (len(roles) + 3)]
    for op, rule in MAY.items():
        commands = ", ".join(f"`{k or 'hubapp'}`" for k, e in COMMANDS.items() if e.op is op)
        menu = ", ".join([path for path, o in MENU.values() if o is op] + (
            [rule.elsewhere] if rule.elsewhere else []))  # fmt: skip
        marks = " | ".join("yes" if r in rule.roles else "—" for r in roles)
        what = rule.doing[:1].upper() + rule.doing[1:]
        if rule.why:
            what += f" ({rule.why})"
        lines.append(f"| {what} | {marks} | {commands or '—'} | {menu or '—'} |")
    return "\n".join(lines)
