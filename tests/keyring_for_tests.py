"""A keyring backend for the test run: the database keys the tests make go to one JSON file
of the run (``HUBAPP_TEST_KEYRING``), shared by the test process and the hubapp processes it
starts, never to the real keyring of the machine. The benchmarks use it too on a PC without
a keyring."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from hubapp import settings

ENV = "HUBAPP_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self) -> Path:
        given = settings.env(ENV)
        if given is not None:
            return given
        # a process started without the variable (the frozen bundle's tests clear HUBAPP_*):
        # one file beside the keyring configuration that led here
        from keyring.util import platform_

        folder = Path(platform_.config_root())
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "test-keyring.json"

    def _read(self) -> dict:
        try:
            return json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict) -> None:
        path = self._path()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\n{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._write(data)
