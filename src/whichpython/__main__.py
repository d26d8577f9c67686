"""``python -m whichpython``."""

from whichpython.cli import main

raise SystemExit(main())
