"""`python -m exchange.cli ...` runs the `exchange` command without its console script."""

from __future__ import annotations

import sys

from exchange.cli.main import main

sys.exit(main())
