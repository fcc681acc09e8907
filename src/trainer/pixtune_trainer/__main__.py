"""`python -m pixtune_trainer …` — see cli.py."""

import sys

from .cli import main

sys.exit(main())
