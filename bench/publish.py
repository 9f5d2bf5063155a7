"""``python -m bench.publish``; the code is :mod:`bench.cli.publish`."""

from bench.cli.publish import DATASETS, FILTERS, main, methods, publish

__all__ = ["DATASETS", "FILTERS", "main", "methods", "publish"]

if __name__ == "__main__":
    raise SystemExit(main())
