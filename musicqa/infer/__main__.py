"""Forwards ``python -m musicqa.infer ...`` to ``musicqa.train.infer`` (the model side lives in train/)."""

import sys

from musicqa.train.infer import main

sys.exit(main())
