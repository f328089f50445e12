"""``python -m musicqa``: forwards to musicqa.cli."""

import sys

from musicqa.cli.__main__ import main

sys.exit(main())
