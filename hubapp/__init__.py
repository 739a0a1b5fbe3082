"""hubapp: case work for the Local Focus Hubs of Cumbria."""

#: the one place the version is written: pyproject.toml reads it from here when the package
#: is built (a literal rather than a look-up in the installed metadata, which costs every
#: launch about 30 ms before the window can paint)
__version__ = "0.1.0"

APP_NAME = "hubapp"
APP_DISPLAY_NAME = "Local Focus Hub"
ORG_NAME = "Cumbria Local Focus Hubs"
