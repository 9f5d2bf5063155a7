"""``python -m bench.report RESULTS...`` (see :mod:`bench.report.build`)."""

import sys

from bench.report.build import main

sys.exit(main())
