"""Staff accounts: individual sign-in on a shared station PC (no Qt).

A database without accounts works as it always has: whoever is signed in to the operating
system is the user. The first account (``hubapp setup --admin NAME``, or the first-start
dialog) is an administrator; from then on everyone signs in with their own account, and the
store acts as that account (``store.user`` is its user name, ``store.account`` its role,
agency and hub, for permission checks).

Rules:

* User names are unique ignoring case; passwords have at least ``PASSWORD_MIN`` characters
  and must not contain the user name. Passwords are kept only as Argon2id hashes (re-hashed
  at sign-in when the hashing parameters grow stronger) and never enter the audit log.
* Wrong passwords slow down, they never lock out (OWASP ASVS 4.0.3 2.2.1; 5.0 V6.3): after
  ``FREE_FAILURES`` wrong attempts in a row with one user name, each further attempt with it
  must wait a little longer (1, 2, 4... seconds, at most ``MAX_WAIT_SECONDS``), so guessing
  is held to about a hundred tries an hour, while nobody can keep the only administrator out
  for longer than a minute. An attempt made too soon is refused before any password is
  checked. The count is kept per user name typed, for names that exist and names that do
  not alike (by a keyed digest of the name: a password typed in the name field is never
  stored), so neither the sentences nor the waits tell whether a name exists. It is
  forgotten after ``FORGET_AFTER`` without failures, at a sign-in, and when an administrator
  "unlocks" the account.
* A sign-in always checks one password hash, also for a user name that does not exist (a
  dummy hash), and always writes one audit entry, so the time it takes does not tell
  whether a name exists; the sentence for an unknown name and a wrong password is the same.
* Only administrators manage accounts; the last enabled administrator cannot be disabled or
  demoted. Every sign-in, failure, lock-out, and every account change is in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select

from hubapp import settings
from hubapp.domain import clock
from hubapp.domain.codes import StaffRole
from hubapp.domain.text import has_control, one_line
from hubapp.store import access, audit
from hubapp.store.access import USER
from hubapp.store.errors import Problem, Refused
from hubapp.store.schema import Agency, Hub, StaffAccount

log = logging.getLogger(__name__)

#: wrong attempts in a row with one user name that cost nothing more than the password check;
#: after these, each further attempt must wait: 1, 2, 4... seconds, at most MAX_WAIT_SECONDS
FREE_FAILURES = 3
MAX_WAIT_SECONDS = 60
#: the count of a user name is forgotten after this long without a wrong attempt
FORGET_AFTER = timedelta(hours=1)
#: local_setting key of the counts (a keyed digest of each name: [count, last failure])
THROTTLE_KEY = "sign_in_throttle"
#: user names remembered at most (the oldest are forgotten first)
THROTTLE_NAMES = 1000
PASSWORD_MIN = 10
#: long enough for any pass phrase; longer input is refused before it is hashed
PASSWORD_MAX = 256
USER_NAME_MAX = 64
DISPLAY_NAME_MAX = 120

#: local_setting key of the idle lock's minutes (a setting of this station's database)
IDLE_KEY = "idle_lock_minutes"
IDLE_DEFAULT = settings.local_default(IDLE_KEY)
IDLE_MIN, IDLE_MAX = 1, 240

ENTITY = "staff_account"
#: audit kinds of sign-in events (the data-protection kinds cover account changes)
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
LOCK_OUT = "lock_out"

_USER_NAME = re.compile(r"^[\w.@'-]+$")


class AccountError(Refused):
    """An account change or sign-in refused, in one sentence (``problems`` per field)."""


class SignInRefused(AccountError):
    """Wrong user name or password, a locked or a disabled account."""


@dataclass(frozen=True)
class Account:
    """A staff account as the screens and the command line see it (never the hash)."""

    id: int
    user_name: str
    display_name: str
    role: StaffRole
    agency_id: uuid.UUID | None
    agency_name: str
    hub_id: uuid.UUID | None
    hub_name: str
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime | None
    last_sign_in: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMINISTRATOR

    def locked(self, now: datetime | None = None) -> bool:
        """Whether the next attempt must still wait (after wrong passwords)."""
        now = now or clock.utcnow()
        return self.locked_until is not None and self.locked_until > now

    def state(self, now: datetime | None = None) -> str:
        """'Disabled', '5 wrong passwords in a row' or 'Active'."""
        if self.disabled:
            return "Disabled"
        if self.failed_attempts:
            n = self.failed_attempts
            return f"{n} wrong password{'' if n == 1 else 's'} in a row"
        return "Active"


@dataclass(frozen=True)
class AccountDraft:
    """A new account as typed in a form or on the command line."""

    user_name: str
    display_name: str = ""
    role: str = StaffRole.PARTNER.value
    agency_id: uuid.UUID | None = None
    hub_id: uuid.UUID | None = None


# --- hashing --------------------------------------------------------------------------------


@cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, the library's recommended (RFC 9106) parameters


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user name does not exist (same cost as a real one)."""
    return _hasher().hash(uuid.uuid4().hex)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _password_matches(hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if len(password) > PASSWORD_MAX:
        password = password[:PASSWORD_MAX]  # still costs one check; it cannot match
        hashed = _dummy_hash()
    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- rules ----------------------------------------------------------------------------------


def name_key(user_name: str) -> str:
    """The form user names are compared in: trimmed and case-folded."""
    return (user_name or "").strip().casefold()


def user_name_problems(user_name: str) -> list[Problem]:
    name = (user_name or "").strip()
    if not name:
        return [Problem("user_name", "Enter a user name.")]
    if len(name) < 2:
        return [Problem("user_name", "The user name must have at least 2 characters.")]
    if len(name) > USER_NAME_MAX:
        return [Problem("user_name", f"The user name is too long (at most {USER_NAME_MAX} "
                        "characters).")]  # fmt: skip
    if not _USER_NAME.match(name):
        return [Problem("user_name", "A user name has letters, digits and . _ - @ ' only "
                        "(no spaces), e.g. j.smith.")]  # fmt: skip
    return []


def password_problems(password: str, user_name: str = "") -> list[Problem]:
    """What is wrong with a new password, for the field beside it (empty when it will do)."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        return [Problem("password", f"The password must have at least {PASSWORD_MIN} "
                        "characters; a few unrelated words make a good one.")]  # fmt: skip
    if len(password) > PASSWORD_MAX:
        return [Problem("password", f"The password is too long (at most {PASSWORD_MAX} "
                        "characters).")]  # fmt: skip
    key = name_key(user_name)
    if key and key in password.casefold():
        return [Problem("password", "The password must not contain the user name.")]
    if len(set(password.casefold())) < 4:
        return [Problem("password", "The password is too easy to guess: use more different "
                        "characters.")]  # fmt: skip
    return []


def parse_role(text: str) -> StaffRole:
    """A role from its code or label, ignoring case, spaces, hyphens and underscores."""
    key = re.sub(r"[\s_-]+", "", (text or "").casefold())
    for role in StaffRole:
        if key == role.value.replace("_", ""):
            return role
    names = ", ".join(r.value for r in StaffRole)
    message = f"There is no role '{text}'; the roles are: {names}."
    raise AccountError(message, [Problem("role", message)])


def validate(draft: AccountDraft) -> list[Problem]:
    """Problems with a new account's fields (not its password), never raising."""
    problems = user_name_problems(draft.user_name)
    display = one_line(draft.display_name)
    if len(display) > DISPLAY_NAME_MAX:
        problems.append(Problem("display_name", f"The name is too long (at most "
                                f"{DISPLAY_NAME_MAX} characters)."))  # fmt: skip
    elif has_control(display):
        problems.append(Problem("display_name", "The name must not contain control "
                                "characters."))  # fmt: skip
    try:
        parse_role(draft.role)
    except AccountError as exc:
        problems.extend(exc.problems)
    return problems


def _refuse(problems: list[Problem], error: type[AccountError] = AccountError) -> None:
    if problems:
        raise error(problems[0].message, problems)


def wait_seconds(failures: int) -> int:
    """How long the next attempt with a user name waits after ``failures`` wrong ones."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)


def wait_sentence(seconds: int) -> str:
    """The same for every user name, whether it exists or not."""
    return (
        f"Too many wrong attempts with this user name: wait {seconds} second"
        f"{'' if seconds == 1 else 's'} and try again."
    )


WRONG = "The user name or password is wrong."
DISABLED = "This account is disabled; ask an administrator of this station."


# --- reading --------------------------------------------------------------------------------


def has_accounts(store) -> bool:
    """True once the database has staff accounts (everyone must then sign in)."""
    with store.read() as s:
        return s.scalar(select(StaffAccount.id).limit(1)) is not None


def _account(s, row: StaffAccount) -> Account:
    agency = s.get(Agency, row.agency_id) if row.agency_id else None
    hub = s.get(Hub, row.hub_id) if row.hub_id else None
    return Account(
        row.id, row.user_name, row.display_name or row.user_name, StaffRole(row.role),
        row.agency_id, agency.name if agency else "", row.hub_id, hub.name if hub else "",
        bool(row.disabled), row.failed_attempts or 0, row.locked_until, row.created_at,
        row.last_sign_in,
    )  # fmt: skip


def _by_name(s, user_name: str) -> StaffAccount | None:
    return s.scalars(
        select(StaffAccount).where(StaffAccount.name_key == name_key(user_name))
    ).first()


def _named(s, user_name: str) -> StaffAccount:
    row = _by_name(s, user_name)
    if row is None:
        raise AccountError(f"There is no account called '{user_name.strip()}'.",
                           [Problem("user_name", "There is no account of that name.")])  # fmt: skip
    return row


def list_accounts(store) -> list[Account]:
    """Every account, by user name (administrators only)."""
    with store.read() as s:
        _check_admin(s, store)
        rows = s.scalars(select(StaffAccount).order_by(StaffAccount.name_key))
        return [_account(s, r) for r in rows]


def get(store, user_name: str) -> Account:
    with store.read() as s:
        return _account(s, _named(s, user_name))


# --- signing in -----------------------------------------------------------------------------


def _name_digest(store, user_name: str) -> str:
    """The key a user name's count is kept under: a digest keyed with a secret of this
    database (a password typed in the name field is never stored)."""
    secret = hmac.new(store.anchor_secret, b"hubapp sign-in names", hashlib.sha256).digest()
    return hmac.new(secret, name_key(user_name).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _throttle(s) -> dict[str, list]:
    try:
        return settings.local(s)[THROTTLE_KEY]
    except settings.SettingError:
        return {}


def _failures(data: dict, digest: str, now: datetime) -> tuple[int, datetime | None]:
    """Wrong attempts in a row with the name, and when the last was (forgotten after
    FORGET_AFTER)."""
    try:
        count, last = data[digest]
        last = datetime.fromisoformat(last)
    except (KeyError, TypeError, ValueError):
        return 0, None
    if now - last > FORGET_AFTER:
        return 0, None
    return int(count), last


def _keep_throttle(s, data: dict, now: datetime) -> None:
    """Store the counts, the stale ones and the oldest beyond THROTTLE_NAMES dropped."""
    fresh = {k: v for k, v in data.items() if _failures(data, k, now)[0]}
    if len(fresh) > THROTTLE_NAMES:
        newest = sorted(fresh, key=lambda k: fresh[k][1], reverse=True)[:THROTTLE_NAMES]
        fresh = {k: fresh[k] for k in newest}
    settings.local(s)[THROTTLE_KEY] = fresh


def sign_in(store, user_name: str, password: str, *, defer: bool = False) -> Account:
    """Check the password and make ``store`` act as the account; raise SignInRefused with
    one sentence otherwise. The outcome is audited and the failure count kept either way.

    With ``defer`` a successful sign-in writes nothing yet (``hubapp audit --verify`` reads the
    log before anything is added to it): :func:`record_sign_in` writes it afterwards."""
    now = clock.utcnow()
    digest = _name_digest(store, user_name)
    with store.read() as s:
        row = _by_name(s, user_name) if name_key(user_name) else None
        account_id, hashed = (row.id, row.password_hash) if row is not None else (None, None)
        found = _account(s, row) if row is not None else None
        failures, last = _failures(_throttle(s), digest, now)
    # a damaged database is open read-only (hubapp.store.admin.backup.WriteGuard): the password is
    # checked but nothing can be recorded, so that an administrator can still sign in and
    # restore it (the application log says who signed in)
    guard = getattr(store, "write_guard", None)
    read_only = guard is not None and not guard.writable()
    wait = wait_seconds(failures)
    if wait and now < last + timedelta(seconds=wait):
        if not read_only:
            _too_soon(store, account_id, found, failures)
        left = max(1, math.ceil((last + timedelta(seconds=wait) - now).total_seconds()))
        message = wait_sentence(left)
        raise SignInRefused(message, [Problem("user_name", message)])
    matches = _password_matches(hashed or _dummy_hash(), password or "")
    if account_id is None:
        matches = False
    if (defer or read_only) and matches and not found.disabled:
        store.user = found.user_name
        store.account = found
        store.pending_sign_in = defer
        if read_only:
            log.info("Signed in as %s (%s) to a database open read-only, not recorded in it",
                     found.user_name, found.role.value)  # fmt: skip
        return found
    if read_only:
        message = DISABLED if matches else WRONG
        log.info("A sign-in to a database open read-only was refused: %s", message)
        raise SignInRefused(message, [Problem("password" if message == WRONG else "user_name",
                                              message)])  # fmt: skip
    message = ""
    signed_in: Account | None = None
    previous_user = store.user
    try:
        with store.write(reason="sign-in") as s:
            row = s.get(StaffAccount, account_id) if account_id is not None else None
            ids = [str(account_id)] if row is not None else []
            name = {"user_name": row.user_name} if row is not None else {}
            data = _throttle(s)
            failures, _last = _failures(data, digest, now)
            if row is None or not matches:
                failures += 1
                data[digest] = [failures, now.isoformat()]
                _keep_throttle(s, data, now)
                if row is None:
                    # not the typed name: it may be a password typed in the wrong field
                    audit.record(s, SIGN_IN_FAILED, ENTITY, [], {
                        "outcome": "unknown user name", "attempt": failures})  # fmt: skip
                else:
                    row.failed_attempts = failures
                    wait = wait_seconds(failures)
                    row.locked_until = now + timedelta(seconds=wait) if wait else None
                    audit.record(s, SIGN_IN_FAILED, ENTITY, ids, {
                        **name, "outcome": "wrong password", "attempt": failures})  # fmt: skip
                message = WRONG
            elif row.disabled:
                audit.record(s, SIGN_IN_FAILED, ENTITY, ids, {**name, "outcome": "disabled"})
                message = DISABLED
            else:
                data.pop(digest, None)
                _keep_throttle(s, data, now)
                row.failed_attempts = 0
                row.locked_until = None
                row.last_sign_in = now
                if _hasher().check_needs_rehash(row.password_hash):
                    row.password_hash = hash_password(password)
                store.user = s.info[USER] = row.user_name  # the entry names who signed in
                audit.record(s, SIGN_IN, ENTITY, ids, {**name, "outcome": "signed in"})
                signed_in = _account(s, row)
    except Exception:
        store.user = previous_user
        raise
    if signed_in is None:
        store.user = previous_user
        field = "password" if message == WRONG else "user_name"
        raise SignInRefused(message, [Problem(field, message)])
    store.user = signed_in.user_name
    store.account = signed_in
    log.info("Signed in as %s (%s)", signed_in.user_name, signed_in.role.value)
    return signed_in


def _too_soon(store, account_id, found: Account | None, failures: int) -> None:
    """An attempt before its wait was over: refused unchecked, recorded like any failure."""
    previous_user = store.user
    try:
        with store.write(reason="sign-in") as s:
            ids = [str(account_id)] if found is not None else []
            name = {"user_name": found.user_name} if found is not None else {}
            audit.record(s, SIGN_IN_FAILED, ENTITY, ids, {
                **name, "outcome": "too soon", "attempt": failures})  # fmt: skip
    finally:
        store.user = previous_user


def record_sign_in(store) -> None:
    """Write a sign-in made with ``defer`` (its audit entry, the failure count cleared)."""
    if not getattr(store, "pending_sign_in", False) or store.account is None:
        return
    store.pending_sign_in = False
    now = clock.utcnow()
    with store.write(reason="sign-in") as s:
        data = _throttle(s)
        if data.pop(_name_digest(store, store.account.user_name), None) is not None:
            _keep_throttle(s, data, now)
        row = s.get(StaffAccount, store.account.id)
        row.failed_attempts = 0
        row.locked_until = None
        row.last_sign_in = now  # (a hash made with weaker parameters is renewed next time)
        audit.record(s, SIGN_IN, ENTITY, [str(row.id)],
                     {"user_name": row.user_name, "outcome": "signed in"})  # fmt: skip


def confirm(store, password: str) -> Account:
    """The signed-in person types their password again (the idle lock): the same checks,
    failure counts and lock-out as signing in."""
    if store.account is None:
        raise AccountError("Nobody is signed in.")
    return sign_in(store, store.account.user_name, password)


# --- managing accounts (administrators) -----------------------------------------------------


def _check_admin(s, store) -> StaffAccount | None:
    """The acting administrator's row (None while the database has no accounts yet)."""
    if s.scalar(select(StaffAccount.id).limit(1)) is None:
        return None
    acting = access.acting(s)  # who began the session (hubapp.store.access)
    row = s.get(StaffAccount, acting.id) if acting is not None else None
    if row is None or row.disabled or row.role != StaffRole.ADMINISTRATOR:
        raise AccountError("Only an administrator can manage staff accounts.")
    return row


@contextmanager
def _admin_write(store, reason: str) -> Iterator:
    with store.write(reason=reason) as s:
        _check_admin(s, store)
        yield s


def _enabled_admins(s) -> int:
    return s.scalar(
        select(func.count()).select_from(StaffAccount).where(
            StaffAccount.role == StaffRole.ADMINISTRATOR.value, StaffAccount.disabled.is_(False)
        )
    )  # fmt: skip


def _reference_problems(s, draft: AccountDraft) -> list[Problem]:
    problems = []
    if draft.agency_id is not None:
        agency = s.get(Agency, draft.agency_id)
        if agency is None or agency.voided:
            problems.append(Problem("agency", "Choose an agency from the list."))
    if draft.hub_id is not None:
        hub = s.get(Hub, draft.hub_id)
        if hub is None or hub.voided:
            problems.append(Problem("hub", "Choose a hub from the list."))
    return problems


def create_account(store, draft: AccountDraft, password: str) -> Account:
    """Add an account. The first account of a database must be an administrator and needs no
    one signed in; every later one is added by a signed-in administrator."""
    problems = validate(draft) + password_problems(password, draft.user_name)
    _refuse(problems)
    role = parse_role(draft.role)
    hashed = hash_password(password)
    user_name = draft.user_name.strip()
    display = one_line(draft.display_name) or user_name
    with store.write(reason="account created") as s:
        first = _check_admin(s, store) is None
        if first and role != StaffRole.ADMINISTRATOR:
            _refuse([Problem("role", "The first account must be an administrator.")])
        if _by_name(s, user_name) is not None:
            _refuse([Problem("user_name", f"There is already an account called '{user_name}'.")])
        _refuse(_reference_problems(s, draft))
        row = StaffAccount(
            user_name=user_name, name_key=name_key(user_name), display_name=display,
            agency_id=draft.agency_id, hub_id=draft.hub_id, role=role.value,
            password_hash=hashed, disabled=False, failed_attempts=0,
            created_at=clock.utcnow(), created_by=store.user, password_changed_at=clock.utcnow(),
        )  # fmt: skip
        s.add(row)
        s.flush()
        audit.record(s, audit.Kind.COLLECTION, ENTITY, [str(row.id)], {
            "user_name": user_name, "role": role.value, "first": first,
            "agency_id": str(draft.agency_id) if draft.agency_id else None,
            "hub_id": str(draft.hub_id) if draft.hub_id else None,
        })  # fmt: skip
        account = _account(s, row)
    log.info("Account %s (%s) created by %s", user_name, role.value, store.user)
    return account


def _altered(s, row: StaffAccount, details: dict) -> None:
    audit.record(s, audit.Kind.ALTERATION, ENTITY, [str(row.id)],
                 {"user_name": row.user_name, **details})  # fmt: skip


def _refresh_own(store, account: Account) -> None:
    if store.account is not None and store.account.id == account.id:
        store.account = account


def set_disabled(store, user_name: str, disabled: bool) -> Account:
    """Disable (or enable again) an account; its data and audit history stay."""
    with _admin_write(store, "account disabled" if disabled else "account enabled") as s:
        row = _named(s, user_name)
        if disabled and not row.disabled:
            if store.account is not None and row.id == store.account.id:
                raise AccountError("You cannot disable your own account.")
            if row.role == StaffRole.ADMINISTRATOR and _enabled_admins(s) <= 1:
                raise AccountError(f"'{row.user_name}' is the last administrator; make another "
                                   "account an administrator first.")  # fmt: skip
        if bool(row.disabled) != disabled:
            _altered(s, row, {"disabled": [bool(row.disabled), disabled]})
            row.disabled = disabled
        account = _account(s, row)
    _refresh_own(store, account)
    return account


def unlock(store, user_name: str) -> Account:
    """Forget the wrong passwords counted so far for the account's name: no more waiting."""
    with _admin_write(store, "account unlocked") as s:
        row = _named(s, user_name)
        data = _throttle(s)
        if data.pop(_name_digest(store, row.user_name), None) is not None:
            _keep_throttle(s, data, clock.utcnow())
        if row.locked_until is not None or row.failed_attempts:
            _altered(s, row, {"unlocked": True, "failed_attempts": [row.failed_attempts, 0]})
        row.locked_until = None
        row.failed_attempts = 0
        account = _account(s, row)
    return account


def set_role(store, user_name: str, role_text: str) -> Account:
    role = parse_role(role_text)
    with _admin_write(store, "account role changed") as s:
        row = _named(s, user_name)
        if (
            row.role == StaffRole.ADMINISTRATOR
            and role != StaffRole.ADMINISTRATOR
            and not row.disabled
            and _enabled_admins(s) <= 1
        ):
            raise AccountError(
                f"'{row.user_name}' is the last administrator; make another account an "
                "administrator first.", [Problem("role", "The last administrator stays one.")],
            )  # fmt: skip
        if row.role != role.value:
            _altered(s, row, {"role": [row.role, role.value]})
            row.role = role.value
        account = _account(s, row)
    _refresh_own(store, account)
    return account


def set_password(store, user_name: str, password: str) -> Account:
    """An administrator sets a new password (which also lifts a lock-out); anyone signed in
    may change their own."""
    with store.read() as s:
        row = _named(s, user_name)
        own = store.account is not None and store.account.id == row.id
        if not own:
            _check_admin(s, store)
        canonical = row.user_name
    _refuse(password_problems(password, canonical))
    hashed = hash_password(password)
    with store.write(reason="password changed") as s:
        row = _named(s, user_name)
        if not own:
            _check_admin(s, store)
        _altered(s, row, {"password": "changed", "by_self": own})
        data = _throttle(s)
        if data.pop(_name_digest(store, row.user_name), None) is not None:
            _keep_throttle(s, data, clock.utcnow())
        row.password_hash = hashed
        row.password_changed_at = clock.utcnow()
        row.locked_until = None
        row.failed_attempts = 0
        account = _account(s, row)
    return account


# --- the idle lock's setting ----------------------------------------------------------------


def idle_lock_minutes(store) -> int:
    """Minutes without keyboard or mouse input before the windows lock (this station)."""
    with store.read() as s:
        try:
            minutes = settings.local(s)[IDLE_KEY]
        except settings.SettingError:
            return IDLE_DEFAULT
    return min(max(minutes, IDLE_MIN), IDLE_MAX)


def idle_minutes_problems(minutes) -> list[Problem]:
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        return [Problem("idle_minutes", "Give the minutes as a whole number, e.g. 10.")]
    if not IDLE_MIN <= value <= IDLE_MAX:
        return [Problem("idle_minutes", f"Choose between {IDLE_MIN} and {IDLE_MAX} minutes.")]
    return []


def set_idle_lock_minutes(store, minutes) -> int:
    _refuse(idle_minutes_problems(minutes))
    value = int(minutes)
    with _admin_write(store, "idle lock changed") as s:
        local = settings.local(s)
        old = local.stored(IDLE_KEY)
        old = old if old is not None else str(IDLE_DEFAULT)
        local[IDLE_KEY] = value
        audit.record(s, audit.Kind.ALTERATION, "local_setting", [IDLE_KEY],
                     {"idle_lock_minutes": [old, str(value)]})  # fmt: skip
    return value
