"""Resumable partial results and progress lines for long tiled runs.

A tiled run is a list of small units of work (one tile of one slice, for one
pass). :class:`RunStore` keeps each finished unit's record — a histogram,
confusion counts, timings: a few numbers — and, given a folder, writes them
in batches of JSON files, each written atomically
(:func:`bench.results.atomic_path`). Rerunning the same command with the
same folder reads them back and skips those units: an interrupted run
(Ctrl-C, a crash, a wall-clock limit) resumes where it stopped, and a file
is never half-written. The folder's ``manifest.json`` records what the run
computes; a different run pointed at the same folder is refused rather than
mixed in.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, TextIO

from bench.progress import LOG_EVERY
from bench.progress import Progress as StepProgress
from bench.results import write_json

__all__ = ["Progress", "RunStore"]


class RunStore:
    """Unit records of one run: in memory, or also in ``folder`` for resuming.

    Parameters
    ----------
    folder : Path or None
        Where the records go; None keeps them in memory only.
    manifest : dict
        What the run computes (inputs, methods, tiling). A folder holding
        records of another manifest is an error.
    flush_every : float
        Seconds between batch writes; each batch is one atomic file.
    """

    def __init__(
        self, folder: str | Path | None, manifest: dict[str, Any], flush_every: float = 2.0
    ) -> None:
        self.folder = None if folder is None else Path(folder)
        self.flush_every = flush_every
        self._records: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, dict[str, Any]] = {}
        self._last_flush = time.monotonic()
        self._next_part = 0
        if self.folder is not None:
            self._open(json.loads(json.dumps(manifest, default=str)))

    def _open(self, manifest: dict[str, Any]) -> None:
        assert self.folder is not None
        path = self.folder / "manifest.json"
        if path.is_file():
            found = _read_json(path, "its manifest")
            if found != manifest:
                keys = sorted(k for k in {*found, *manifest} if found.get(k) != manifest.get(k))
                msg = (
                    f"{self.folder} holds partial results of a different run (it differs in: "
                    f"{', '.join(keys)}). Resume with the same inputs and settings, or use "
                    "another folder."
                )
                raise ValueError(msg)
        else:
            write_json(manifest, path)
        parts = sorted(self.folder.glob("part-*.json"))
        for part in parts:
            self._records.update(_read_json(part, "a batch of finished tiles"))
        if parts:
            self._next_part = int(parts[-1].stem.split("-")[1]) + 1

    def __contains__(self, key: str) -> bool:
        return key in self._records

    def __len__(self) -> int:
        return len(self._records)

    def get(self, key: str) -> dict[str, Any]:
        return self._records[key]

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Keep ``record``; written to the folder with the next batch."""
        self._records[key] = record
        if self.folder is None:
            return
        self._pending[key] = record
        if time.monotonic() - self._last_flush >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the pending records as one new part file (atomically)."""
        self._last_flush = time.monotonic()
        if self.folder is None or not self._pending:
            return
        write_json(self._pending, self.folder / f"part-{self._next_part:06d}.json")
        self._next_part += 1
        self._pending = {}


def _read_json(path: Path, what: str) -> dict[str, Any]:
    """A record file of the run folder, or a clear error naming it (never deleted here)."""
    try:
        found = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        msg = (
            f"{path} ({what}) is not readable JSON ({error}); the file is damaged. Move it "
            f"away to recompute what it held, or start over in another folder."
        )
        raise ValueError(msg) from error
    if not isinstance(found, dict):
        msg = f"{path} ({what}) holds {type(found).__name__}, not a JSON object; it is damaged."
        raise ValueError(msg)
    return found


class Progress(StepProgress):
    """Progress of one pass over tiles (:class:`bench.progress.Progress`, unit "tiles").

    Tiles found finished in the run folder count as done, and the line says
    how many were resumed:
    ``segbench: slide histogram 40/40 tiles in 9.3 s (resumed 8)``.
    """

    def __init__(
        self,
        label: str,
        total: int,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        every: float = LOG_EVERY,
    ) -> None:
        super().__init__(label, total, unit="tiles", stream=stream, enabled=enabled, every=every)
        self.resumed = 0

    def update(self, n: int = 1, *, resumed: bool = False) -> None:  # type: ignore[override]
        """Count ``n`` tiles done (``resumed``: found finished in the run folder)."""
        if resumed:
            if not n:
                return
            self.resumed += n
            super().update(n, resumed=self.resumed)
        else:
            super().update(n)
