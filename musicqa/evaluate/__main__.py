"""Forwards ``python -m musicqa.evaluate ...`` to ``musicqa.train.evaluate`` (the model side lives in train/)."""

import sys

from musicqa.train.evaluate import main

sys.exit(main())
