"""Entry script of the frozen bundle (installer/hubapp.spec): the same as the hubapp command."""

import sys

from hubapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
