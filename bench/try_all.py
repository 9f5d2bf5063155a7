"""``python -m bench.try_all``; the code is :mod:`bench.cli.try_all` (kept importable here)."""

from bench.cli.try_all import main, save_montage, try_all_table

__all__ = ["main", "save_montage", "try_all_table"]

if __name__ == "__main__":
    raise SystemExit(main())
