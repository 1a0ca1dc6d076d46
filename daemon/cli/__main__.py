"""`python -m daemon.cli`: the same as the `docketd` console script."""

import sys

from daemon.cli.main import main

sys.exit(main())
