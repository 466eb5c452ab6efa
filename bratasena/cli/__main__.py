"""`python -m bratasena.cli`: the `bratasena` command."""

from bratasena.cli import main

raise SystemExit(main())
