"""Run folders: tidy tables, provenance and atomic writes.

Every file is written to a temporary name in its folder and renamed into
place, so a crash never leaves a half-written result behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from bench._util import natural_key

__all__ = [
    "TABLE_NAMES",
    "atomic_path",
    "gather_tables",
    "provenance",
    "read_table",
    "write_json",
    "write_table",
]

TABLE_NAMES = ("metrics.csv", "metrics.parquet")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_PACKAGES = (
    "numpy", "scipy", "scikit-image", "scikit-learn", "pandas", "pyarrow", "hydra-core",
    "opencv-python-headless", "matplotlib", "seaborn", "segbench",
)  # fmt: skip


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are for sharing
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def _write(path: Path, writer: Callable[[Path], None]) -> Path:
    with atomic_path(path) as tmp:
        writer(tmp)
    return path


def write_table(table: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write ``metrics.csv`` and ``metrics.parquet`` into ``folder``, atomically."""
    folder = Path(folder)
    return [
        _write(folder / "metrics.csv", lambda p: table.to_csv(p, index=False)),
        _write(folder / "metrics.parquet", lambda p: table.to_parquet(p, index=False)),
    ]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a results table from a parquet/csv file or a run folder."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.parquet"
    if not path.is_file():
        msg = f"No results table at {path}; pass a run folder or a metrics.parquet/csv file."
        raise FileNotFoundError(msg)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str)
    return _write(Path(path), lambda p: p.write_text(text + "\n"))


def gather_tables(folder: str | Path) -> pd.DataFrame:
    """Concatenate the tables of every job folder below a sweep folder."""
    folder = Path(folder)
    paths = sorted(folder.glob("*/metrics.parquet"), key=lambda p: natural_key(p.parent.name))
    tables = [pd.read_parquet(p) for p in paths]
    if not tables:
        msg = f"No job tables (*/metrics.parquet) under {folder}."
        raise FileNotFoundError(msg)
    return pd.concat(tables, ignore_index=True)


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here, capture_output=True, text=True, timeout=5,
    ).stdout.strip()  # fmt: skip
    return out.stdout.strip() + ("-dirty" if dirty else "")


def config_hash(config_text: str) -> str:
    """Short SHA-256 of a resolved config's text."""
    return hashlib.sha256(config_text.encode()).hexdigest()[:16]


def provenance(config_text: str = "") -> dict[str, Any]:
    """Where a number came from: config hash, versions, commit, date, machine."""
    versions = {}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "config_hash": config_hash(config_text),
        "git_commit": _git_commit(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": {
            "node": platform.node(),
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "packages": versions,
    }
