"""Progress of long work: a tqdm bar on a terminal, a few plain lines in a log.

Every long job of the harness (images of a run, tiles, training, the jobs of
a sweep, publishing, building a report) reports through :func:`progress`:

- on a terminal (stderr is a TTY) it is a `tqdm <https://tqdm.github.io>`_
  bar with the count, the rate, the time left and live figures (a loss);
- elsewhere (CI logs, files) it writes plain lines: one when the step ends
  (``segbench: run 2000/2000 images in 27.1 s``) and, for a step longer
  than :data:`LOG_EVERY` seconds, one line per such interval — so a log is
  never silent for long, and never holds a line per image;
- with ``SEGBENCH_QUIET=1`` (``--quiet``, ``quiet=true``) it prints nothing.

tqdm rather than rich: one small pure-Python dependency that does exactly
this (rich's live display would also take over the terminal's other output,
which Hydra and warnings write to), thread-safe updates from the tiled
runner's workers, and it writes to stderr, leaving stdout to the tables.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

__all__ = ["LOG_EVERY", "QUIET_ENV", "Progress", "Stages", "progress", "quiet", "track"]

QUIET_ENV = "SEGBENCH_QUIET"
LOG_EVERY = 30.0
"""Seconds between the plain lines of one long step when stderr is not a terminal."""

T = TypeVar("T")


def quiet() -> bool:
    """True when ``$SEGBENCH_QUIET`` asks for silence (set by ``--quiet``/``quiet=true``)."""
    return os.environ.get(QUIET_ENV, "").lower() in ("1", "true", "yes")


class Progress:
    """One step's progress; use :func:`progress` to make one.

    Parameters
    ----------
    desc : str
        What is counted, e.g. ``"run kesm"``.
    total : int, optional
        How many units the step has (None: unknown).
    unit : str
        The unit's name, plural (``"images"``, ``"tiles"``, ``"jobs"``).
    stream : file, optional
        Where to write (default ``sys.stderr``).
    enabled : bool
        False: print nothing (also when :func:`quiet`).
    every : float
        Seconds between plain lines when ``stream`` is not a terminal.
    """

    def __init__(
        self,
        desc: str,
        total: int | None = None,
        *,
        unit: str = "items",
        stream: TextIO | None = None,
        enabled: bool = True,
        every: float = LOG_EVERY,
    ) -> None:
        self.desc = desc
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled and not quiet()
        self.every = every
        self.n = 0
        self.info: dict[str, Any] = {}
        self._start = time.monotonic()
        self._shown = self._start
        self._bar = None
        self._closed = False
        if self.enabled and _is_terminal(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=f"segbench: {desc}", unit=f" {unit}", file=self.stream,
                leave=True, dynamic_ncols=True, mininterval=0.2,
            )  # fmt: skip

    def update(self, n: int = 1, **info: Any) -> None:
        """Count ``n`` more units done; ``info`` (``loss=0.31``) is shown beside the count."""
        self.n += n
        self.info.update(info)
        if self._bar is not None:
            if info:
                self._bar.set_postfix(_fmt(info), refresh=False)
            self._bar.update(n)
            return
        now = time.monotonic()
        if self.enabled and now - self._shown >= self.every:
            self._shown = now
            self._line(now, done=False)

    def close(self) -> None:
        """End the step: close the bar, or write its final line."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif self.enabled:
            self._line(time.monotonic(), done=True)

    def _line(self, now: float, *, done: bool) -> None:
        elapsed = now - self._start
        count = f"{self.n}/{self.total}" if self.total is not None else f"{self.n}"
        text = f"segbench: {self.desc} {count} {self.unit}"
        text += f" in {elapsed:.1f} s" if done else f", {elapsed:.0f} s"
        if not done and self.total and 0 < self.n < self.total:
            text += f", about {elapsed / self.n * (self.total - self.n):.0f} s left"
        if self.info:
            text += " (" + ", ".join(f"{k} {v}" for k, v in _fmt(self.info).items()) + ")"
        print(text, file=self.stream, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fmt(info: dict[str, Any]) -> dict[str, str]:
    return {k: f"{v:.4g}" if isinstance(v, float) else str(v) for k, v in info.items()}


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress(
    desc: str,
    total: int | None = None,
    *,
    unit: str = "items",
    stream: TextIO | None = None,
    enabled: bool = True,
) -> Progress:
    """A :class:`Progress` for one step (a context manager: it closes itself).

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with progress("run demo", 2, unit="images", stream=log) as bar:
    ...     bar.update()
    ...     bar.update()
    >>> log.getvalue().startswith("segbench: run demo 2/2 images in ")
    True
    """
    return Progress(desc, total, unit=unit, stream=stream, enabled=enabled)


def track(
    items: Iterable[T],
    desc: str,
    total: int | None = None,
    *,
    unit: str = "items",
    enabled: bool = True,
) -> Iterator[T]:
    """Iterate ``items`` with a :func:`progress` step counting each one."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(desc, total, unit=unit, enabled=enabled) as bar:
        for item in items:
            yield item
            bar.update()


class Stages:
    """A training ``progress(stage, done, total, **figures)`` callback shown as steps.

    Each stage (``"features"``, ``"trees"``, ``"steps"``) gets its own
    :class:`Progress` named ``"<desc> <stage>"``; figures such as ``loss=``
    are shown beside the count. Call :meth:`close` when training ends.
    """

    def __init__(self, desc: str, *, enabled: bool = True) -> None:
        self.desc = desc
        self.enabled = enabled
        self._bars: dict[str, Progress] = {}

    def __call__(self, stage: str, done: int, total: int, **figures: Any) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            for other in self._bars.values():
                other.close()  # stages follow each other
            bar = self._bars[stage] = Progress(
                f"{self.desc} {stage}", total, unit=stage, enabled=self.enabled
            )
        bar.update(done - bar.n, **figures)

    def close(self) -> None:
        """Close every stage's bar."""
        for bar in self._bars.values():
            bar.close()
