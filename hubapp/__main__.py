import sys

from hubapp.cli import main

sys.exit(main())
