"""hubapp: case work for the Local Focus Hubs of Cumbria."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("hubapp")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

APP_NAME = "hubapp"
APP_DISPLAY_NAME = "Local Focus Hub"
ORG_NAME = "Cumbria Local Focus Hubs"
