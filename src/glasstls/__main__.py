"""``python -m glasstls``: the command line (see glasstls.cli)."""

from __future__ import annotations

import sys

from glasstls.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
