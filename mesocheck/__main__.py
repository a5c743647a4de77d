import sys

from mesocheck.cli import main

sys.exit(main())
