"""``python -m evacplan``: the command line, where the ``evacplan`` script is not on PATH."""

import sys

from evacplan.cli import main

sys.exit(main())
