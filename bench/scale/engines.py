"""Engines that execute a tiled run's units: in this process, or on Dask.

An engine maps a function over units of work and yields ``(unit, result)``
as each finishes, in any order; the caller (:func:`bench.scale.tiling.segment_tiled`)
writes outputs and checkpoints as results arrive. Only a bounded window of
units is in flight at a time, so memory stays at a few tiles per worker,
and an interruption cancels what has not started.

* :class:`ThreadEngine` — threads of this process (``workers=1``: one after
  another). The heavy stages (OpenCV, SciPy, NumPy) release the GIL.
* :class:`DaskEngine` — ``dask.distributed``: an existing cluster
  (``address="tcp://HOST:8786"``), or with no address an in-process cluster of
  threads. Workers read their tiles from the input files themselves (the
  inputs must be at the same path on every worker, e.g. a shared file
  system), and ``segbench`` must be installed on them. In-memory arrays are
  sent to each worker once.

``engine_from_config`` builds one from the ``runner`` config group.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

__all__ = ["DaskEngine", "Engine", "ThreadEngine", "check_engine_config", "engine_from_config"]

_END = object()


def _windowed(
    submit: Callable[[Any], Any],
    wait_any: Callable[[set[Any]], Iterable[Any]],
    cancel: Callable[[list[Any]], None],
    items: Iterable[Any],
    window: int,
) -> Iterator[tuple[Any, Any]]:
    """Keep ``window`` futures in flight; yield ``(item, result)`` as each completes."""
    source = iter(items)
    pending = {submit(item): item for item in islice(source, window)}
    try:
        while pending:
            for future in wait_any(set(pending)):
                item = pending.pop(future)
                following = next(source, _END)
                if following is not _END:
                    pending[submit(following)] = following
                yield item, future.result()
    finally:
        if pending:  # interrupted: drop what has not run
            cancel(list(pending))


class Engine:
    """Base class: ``map_unordered(fn, items, shared)`` runs ``fn(item, shared)``."""

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any
    ) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release threads or the cluster connection."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ThreadEngine(Engine):
    """Units in this process, on ``workers`` threads (1: serially, no threads).

    Examples
    --------
    >>> engine = ThreadEngine(workers=2)
    >>> sorted(r for _, r in engine.map_unordered(lambda x, k: x * k, range(4), 10))
    [0, 10, 20, 30]
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any
    ) -> Iterator[tuple[Any, Any]]:
        workers = _check_workers(self.workers)
        if workers == 1:
            for item in items:
                yield item, fn(item, shared)
            return
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            yield from _windowed(
                lambda item: pool.submit(fn, item, shared),
                lambda pending: (
                    concurrent.futures.wait(
                        pending, return_when=concurrent.futures.FIRST_COMPLETED
                    ).done
                ),
                lambda futures: [f.cancel() for f in futures],
                items,
                2 * workers,
            )


class DaskEngine(Engine):
    """Units as ``dask.distributed`` tasks.

    Parameters
    ----------
    address : str, optional
        Scheduler of an existing cluster (``tcp://HOST:8786``). None starts an
        in-process cluster of ``workers`` threads, closed by :meth:`close`.
    workers : int, optional
        Threads of the in-process cluster (default: one per CPU).
    client : distributed.Client, optional
        Use this client instead (its cluster is left running on close).
    timeout : float
        Seconds to wait for the scheduler at ``address``.
    """

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        client: Any = None,
        timeout: float = 20.0,
    ) -> None:
        self.address = address
        self.workers = workers
        self.client = client
        self.timeout = timeout
        self._owned: list[Any] = []

    def _client(self) -> Any:
        if self.client is not None:
            return self.client
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - depends on the install
            msg = "runner=dask needs dask.distributed: pip install -e '.[dask]'"
            raise ImportError(msg) from error
        # Hydra logs INFO from every library; Dask's start/stop chatter would bury the
        # progress lines. Its warnings and errors still show.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        if self.address:
            try:
                self.client = Client(self.address, timeout=self.timeout)
            except OSError as error:
                msg = (
                    f"Cannot reach a Dask scheduler at {self.address!r}: {error}. Start one "
                    "(dask scheduler; dask worker ADDRESS) or drop runner.address."
                )
                raise ValueError(msg) from error
        else:
            threads = _check_workers(self.workers or os.cpu_count() or 1)
            cluster = LocalCluster(
                n_workers=1, threads_per_worker=threads, processes=False, dashboard_address=":0"
            )
            self._owned.append(cluster)
            self.client = Client(cluster)
        self._owned.insert(0, self.client)
        return self.client

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any
    ) -> Iterator[tuple[Any, Any]]:
        from distributed import wait

        client = self._client()
        [shared_future] = client.scatter([shared], broadcast=True, hash=False)
        threads = sum(client.nthreads().values()) or 1
        try:
            yield from _windowed(
                lambda item: client.submit(fn, item, shared_future, pure=False),
                lambda pending: wait(pending, return_when="FIRST_COMPLETED").done,
                client.cancel,
                items,
                2 * threads,
            )
        finally:
            client.cancel([shared_future])

    def close(self) -> None:
        for owned in self._owned:
            owned.close()
        self._owned = []
        self.client = None


def _check_workers(workers: object) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"workers must be a positive integer; got {workers!r}."
        raise ValueError(msg)
    return workers


def check_engine_config(runner: Mapping[str, Any]) -> int | None:
    """Check a ``runner`` config's engine settings without starting anything; the workers.

    Called before any work, so ``runner.workers=0`` stops a run before its
    first tile (and leaves no tile behind).
    """
    workers = runner.get("workers", 1 if runner.get("name") == "tiled" else None)
    if workers is not None:
        try:
            _check_workers(workers)
        except ValueError:
            msg = f"runner.workers must be a positive integer; got {workers!r}."
            raise ValueError(msg) from None
    return workers


def engine_from_config(runner: Mapping[str, Any]) -> Engine:
    """The engine of a ``runner`` config (``conf/runner/*.yaml``): tiled or dask."""
    name = runner.get("name")
    workers = check_engine_config(runner)
    if name == "tiled":
        return ThreadEngine(workers=workers)
    if name == "dask":
        return DaskEngine(address=runner.get("address"), workers=workers)
    msg = f"runner {name!r} does not run tiles; use runner=tiled or runner=dask."
    raise ValueError(msg)
