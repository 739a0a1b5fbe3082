"""Where a station keeps its central connection: never in a plain file.

The address without its password is a local setting (it is not secret); the password lives in
the operating system's keyring (Windows Credential Manager, macOS Keychain, the Secret Service
on Linux), under the service ``hubapp-central`` and the role name. Where no keyring exists (a
Linux server or CI machine), nothing is saved and the station says so: the URL must then come
from ``--central URL`` or the ``HUBAPP_CENTRAL_URL`` environment variable (as ``HUBAPP_PASSWORD``
does for scheduled tasks), which is what the tests use.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from hubapp.sync.central import CentralError

log = logging.getLogger(__name__)

SERVICE = "hubapp-central"
ENV = "HUBAPP_CENTRAL_URL"
URL_KEY = "central_url"


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or backend.priority <= 0:
        return None
    return keyring


def save(store, url: str) -> bool:
    """Remember ``url``; False (and nothing written) when this PC has no keyring."""
    from hubapp.store.schema import LocalSetting

    kr = _keyring()
    if kr is None:
        return False
    parts = urlsplit(url)
    if parts.password is None:
        return False
    try:
        kr.set_password(SERVICE, unquote(parts.username or ""), unquote(parts.password))
    except Exception as exc:
        log.warning("The keyring refused the central password: %s", exc)
        return False
    netloc = parts.netloc.split("@", 1)[1]
    bare = urlunsplit((parts.scheme, f"{parts.username}@{netloc}", *parts[2:]))
    with store.write(reason="central connection saved") as s:
        setting = s.get(LocalSetting, URL_KEY)
        if setting is None:
            s.add(LocalSetting(key=URL_KEY, value=bare))
        else:
            setting.value = bare
    return True


def load(store, given: str | None = None) -> str:
    """The central URL: given, else the environment, else the saved address and keyring."""
    from hubapp.store.schema import LocalSetting

    if given:
        return given
    if os.environ.get(ENV):
        return os.environ[ENV]
    with store.read() as s:
        setting = s.get(LocalSetting, URL_KEY)
        bare = setting.value if setting else None
    if bare is None:
        raise CentralError(
            "No central database is set up for this station; run 'hubapp sync --central URL' "
            "with the address its administrator gave you."
        )
    kr = _keyring()
    if kr is None:
        raise CentralError(
            "This PC has no keyring to keep the central password in; pass --central URL or "
            f"set {ENV}."
        )
    parts = urlsplit(bare)
    password = kr.get_password(SERVICE, unquote(parts.username or ""))
    if password is None:
        raise CentralError(
            "The central password is not in this PC's keyring any more; run "
            "'hubapp sync --central URL' again."
        )
    netloc = f"{parts.username}:{quote(password, safe='')}@{parts.netloc.split('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, *parts[2:]))
