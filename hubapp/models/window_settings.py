"""QSettings read and written through the declarations of :mod:`hubapp.settings`.

QSettings keeps window state only (geometry, column layouts, the last agency chosen). Every
key is declared in hubapp.settings with its type and default; a name that is not declared is
refused. What QSettings gives back is converted to the declared type (on Windows the registry
hands back text for numbers, and a byte array comes back as a QByteArray); a value that does
not read as its type is window state no longer worth keeping, so the default is used.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings

from hubapp import settings

log = logging.getLogger(__name__)


class WindowSettings:
    """The window settings of this Windows account (``qsettings``: another store, e.g. an
    INI file in a test)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings if qsettings is not None else QSettings()

    @staticmethod
    def _key(setting: settings.Setting, parts: dict[str, str]) -> str:
        return setting.name.format(**parts)

    def value(self, name: str, **parts: str) -> object:
        """The value of the window setting ``name`` (its ``{part}`` fields filled from
        ``parts``), or its default."""
        setting = settings.window_setting(name)
        raw = self._q.value(self._key(setting, parts))
        if raw is None:
            return setting.fresh_default()
        if isinstance(raw, QByteArray):
            raw = raw.data()
        try:
            return setting.decode(raw)
        except settings.SettingError as exc:
            log.info("%s The default is used.", exc)
            return setting.fresh_default()

    def set_value(self, name: str, value: object, **parts: str) -> None:
        setting = settings.window_setting(name)
        if isinstance(value, QByteArray):
            value = value.data()
        kept = setting.encode(value)
        if isinstance(kept, bytes):  # a Python bytes would be kept pickled, not as bytes
            kept = QByteArray(kept)
        self._q.setValue(self._key(setting, parts), kept)
