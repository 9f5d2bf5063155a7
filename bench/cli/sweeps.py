"""Which job folders of a sweep folder belong to *this* sweep, and which are done.

A sweep folder (``hydra.sweep.dir``) may be reused: to resume a sweep that
was killed, or by mistake for another sweep. Each job therefore records
itself in ``<sweep>/.jobs/<job folder>.json``: the key of the sweep that ran
it (a hash of the sweep's overrides), the hash of its own resolved config,
its status (``done`` or ``failed``), its overrides and, when it failed, why.
The key of the sweep now running is in ``<sweep>/.jobs/current.json``.

* **Resume.** A job whose record says ``done`` with the same config hash,
  and whose folder still holds its table, is skipped and its record
  adopted by the current sweep; failed and missing jobs run again.
* **No mixing.** Only folders recorded with the current key are gathered,
  reported or counted as failures; stale job folders and ``error.txt`` of
  another sweep are ignored (and said to be).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import atomic_path

__all__ = [
    "JOBS_FOLDER",
    "JobRecord",
    "config_hash",
    "current_key",
    "existing_before",
    "finished_job",
    "record_job",
    "record_of",
    "start_sweep",
    "sweep_jobs",
    "sweep_key",
]

JOBS_FOLDER = ".jobs"
_CURRENT = "current.json"
STATUSES = ("done", "failed")


@dataclass(frozen=True)
class JobRecord:
    """One job of a sweep, as it recorded itself."""

    folder: Path
    sweep: str
    config_hash: str
    status: str
    overrides: tuple[str, ...]
    reason: str = ""


def sweep_key(overrides: Sequence[str]) -> str:
    """Key of a sweep: a hash of its command-line overrides (order ignored)."""
    text = json.dumps(sorted(str(o) for o in overrides))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config_hash(config: Any) -> str:
    """Hash of a job's resolved config (any JSON-able structure)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write(path: Path, data: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))


def start_sweep(sweep_dir: str | Path, overrides: Sequence[str]) -> str:
    """Record the key of the sweep now starting in ``sweep_dir``; return it.

    Also notes which job folders existed before it started: a job never
    removes a folder it did not make.
    """
    sweep_dir = Path(sweep_dir)
    key = sweep_key(overrides)
    existing = sorted(p.name for p in sweep_dir.iterdir()) if sweep_dir.is_dir() else []
    data = {"key": key, "overrides": list(overrides), "existing": existing}
    _write(sweep_dir / JOBS_FOLDER / _CURRENT, data)
    return key


def existing_before(sweep_dir: str | Path) -> set[str]:
    """Names of the entries of ``sweep_dir`` that existed before the current sweep began."""
    try:
        data = json.loads((Path(sweep_dir) / JOBS_FOLDER / _CURRENT).read_text())
        return {str(name) for name in data.get("existing", [])}
    except (OSError, ValueError, TypeError, AttributeError):
        return set()


def record_of(job_dir: str | Path) -> JobRecord | None:
    """The record a job of some sweep left for ``job_dir`` (None: none)."""
    return _read(_record_path(Path(job_dir)))


def current_key(sweep_dir: str | Path) -> str | None:
    """The key of the sweep last started in ``sweep_dir`` (None: none recorded)."""
    try:
        return str(json.loads((Path(sweep_dir) / JOBS_FOLDER / _CURRENT).read_text())["key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_path(job_dir: Path) -> Path:
    return job_dir.parent / JOBS_FOLDER / f"{job_dir.name}.json"


def _read(path: Path) -> JobRecord | None:
    try:
        data = json.loads(path.read_text())
        record = JobRecord(
            path.parent.parent / path.name[: -len(".json")],
            str(data["sweep"]),
            str(data["config_hash"]),
            str(data["status"]),
            tuple(str(o) for o in data.get("overrides", ())),
            str(data.get("reason", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if record.status in STATUSES else None


def record_job(
    job_dir: str | Path,
    key: str,
    job_hash: str,
    status: str,
    overrides: Sequence[str],
    reason: str = "",
) -> Path:
    """Record a job of sweep ``key`` as ``done`` or ``failed`` (atomically)."""
    if status not in STATUSES:
        msg = f"status must be one of {', '.join(STATUSES)}; got {status!r}."
        raise ValueError(msg)
    job_dir = Path(job_dir)
    path = _record_path(job_dir)
    data = {
        "sweep": key,
        "config_hash": job_hash,
        "status": status,
        "overrides": list(overrides),
        "reason": reason,
    }
    _write(path, data)
    return path


def finished_job(job_dir: str | Path, job_hash: str, has_table: bool) -> JobRecord | None:
    """The record of this job's earlier successful run, if it can be reused as is."""
    record = _read(_record_path(Path(job_dir)))
    if record is None or record.status != "done" or record.config_hash != job_hash:
        return None
    return record if has_table else None


def sweep_jobs(sweep_dir: str | Path, key: str | None = None) -> tuple[list[JobRecord], int]:
    """The jobs recorded by sweep ``key`` (default: the current one), and how many others.

    Returns
    -------
    records : list of JobRecord
        This sweep's jobs, by folder name.
    ignored : int
        Job records and unrecorded job folders of other sweeps, left out.
    """
    sweep_dir = Path(sweep_dir)
    key = current_key(sweep_dir) if key is None else key
    records, ignored = [], 0
    recorded = set()
    for path in sorted((sweep_dir / JOBS_FOLDER).glob("*.json")):
        if path.name == _CURRENT:
            continue
        record = _read(path)
        if record is None:
            ignored += 1
            continue
        recorded.add(record.folder.name)
        if record.sweep == key:
            records.append(record)
        else:
            ignored += 1
    for folder in sweep_dir.iterdir() if sweep_dir.is_dir() else ():
        hidden = folder.name.startswith((".", "report"))
        if folder.is_dir() and not hidden and folder.name not in recorded:
            ignored += 1
    return records, ignored
