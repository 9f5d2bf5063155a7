"""The 8-bit counting kernel: eight interleaved histograms, compiled with numba.

Why not ``cv2.calcHist``? Each bin increment must wait for the previous one
when both hit the same bin — which a uniform background does pixel after
pixel — so on real images calcHist runs 2-3 times slower than on noise.
Reading eight pixels at a time as one 64-bit word and counting each byte
into its own table breaks that chain and saves loads; the tables are summed
at the end. Counts are int64, exact at any image size
(calcHist's float32 counts are exact only up to 2**24 per bin).

Large images are counted in parts on several threads (the kernels release
the GIL), like OpenCV's own parallel loops: the calling thread counts the
first part and a pool kept for the process the others, so a call starts no
thread (starting one costs about as much as counting a megapixel). numba is
imported on the first call, not with this module (importing it and loading
a cached kernel cost about 0.5 s, which a run on small images need not
pay: ``algorithms.histogram`` counts those with cv2.calcHist); it compiles
each kernel on first use (about 2 s) and caches it next to this file.
Without numba, :data:`AVAILABLE` is False and ``algorithms.histogram`` uses
cv2.calcHist in exact chunks instead.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
"""Whether numba is installed; it is imported on the first compiled call, not with this module."""
MIN_PART = 1 << 20
"""Pixels per thread below which starting a thread costs more than it saves."""

__all__ = ["AVAILABLE", "cores", "count_uint8", "count_uint8_joint"]


def _count(values: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    tables = np.zeros((8, 256), np.int64)
    n = values.size
    whole = n - n % 8
    for word in values[:whole].view(np.uint64):  # eight pixels per load, one table each
        tables[0, word & 0xFF] += 1
        tables[1, (word >> np.uint64(8)) & 0xFF] += 1
        tables[2, (word >> np.uint64(16)) & 0xFF] += 1
        tables[3, (word >> np.uint64(24)) & 0xFF] += 1
        tables[4, (word >> np.uint64(32)) & 0xFF] += 1
        tables[5, (word >> np.uint64(40)) & 0xFF] += 1
        tables[6, (word >> np.uint64(48)) & 0xFF] += 1
        tables[7, word >> np.uint64(56)] += 1
    for i in range(whole, n):
        tables[0, values[i]] += 1
    return tables.sum(axis=0)


def _count_masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:  # pragma: no cover
    tables = np.zeros((8, 256), np.int64)
    n = values.size
    whole = n - n % 8
    words, keep = values[:whole].view(np.uint64), mask[:whole].view(np.uint64)
    for k in range(words.size):
        word, m = words[k], np.int64(keep[k])  # mask bytes are 0 or 1
        tables[0, word & 0xFF] += m & 1
        tables[1, (word >> np.uint64(8)) & 0xFF] += (m >> 8) & 1
        tables[2, (word >> np.uint64(16)) & 0xFF] += (m >> 16) & 1
        tables[3, (word >> np.uint64(24)) & 0xFF] += (m >> 24) & 1
        tables[4, (word >> np.uint64(32)) & 0xFF] += (m >> 32) & 1
        tables[5, (word >> np.uint64(40)) & 0xFF] += (m >> 40) & 1
        tables[6, (word >> np.uint64(48)) & 0xFF] += (m >> 48) & 1
        tables[7, word >> np.uint64(56)] += (m >> 56) & 1
    for i in range(whole, n):
        tables[0, values[i]] += mask[i]
    return tables.sum(axis=0)


def _joint(values: np.ndarray, truth: np.ndarray) -> np.ndarray:  # pragma: no cover
    # Rows of any stride (a tile's core is a view): class = truth, four tables in turn.
    tables = np.zeros((4, 512), np.int64)
    rows, cols = values.shape
    whole = cols - cols % 4
    for r in range(rows):
        v, t = values[r], truth[r]
        for c in range(0, whole, 4):
            tables[0, v[c] + (np.intp(t[c]) << 8)] += 1
            tables[1, v[c + 1] + (np.intp(t[c + 1]) << 8)] += 1
            tables[2, v[c + 2] + (np.intp(t[c + 2]) << 8)] += 1
            tables[3, v[c + 3] + (np.intp(t[c + 3]) << 8)] += 1
        for c in range(whole, cols):
            tables[0, v[c] + (np.intp(t[c]) << 8)] += 1
    return tables.sum(axis=0).reshape(2, 256)


def _joint_fov(  # pragma: no cover - compiled
    values: np.ndarray, truth: np.ndarray, fov: np.ndarray
) -> np.ndarray:
    # Four classes by bits, truth | outside << 1; the two outside the field of view merge.
    tables = np.zeros((4, 1024), np.int64)
    rows, cols = values.shape
    whole = cols - cols % 4
    for r in range(rows):
        v, t, f = values[r], truth[r], fov[r]
        for c in range(0, whole, 4):
            tables[0, v[c] | np.intp(t[c]) << 8 | np.intp(f[c] ^ 1) << 9] += 1
            tables[1, v[c + 1] | np.intp(t[c + 1]) << 8 | np.intp(f[c + 1] ^ 1) << 9] += 1
            tables[2, v[c + 2] | np.intp(t[c + 2]) << 8 | np.intp(f[c + 2] ^ 1) << 9] += 1
            tables[3, v[c + 3] | np.intp(t[c + 3]) << 8 | np.intp(f[c + 3] ^ 1) << 9] += 1
        for c in range(whole, cols):
            tables[0, v[c] | np.intp(t[c]) << 8 | np.intp(f[c] ^ 1) << 9] += 1
    counts = tables.sum(axis=0).reshape(4, 256)
    counts[2] += counts[3]
    return counts[:3].copy()


_PYTHON = {"count": _count, "count_masked": _count_masked, "joint": _joint,
           "joint_fov": _joint_fov}  # fmt: skip
_COMPILED: dict[str, Any] = {}


def _kernel(name: str) -> Any:
    """The compiled kernel ``name``: numba is imported and the kernel wrapped on first use."""
    kernel = _COMPILED.get(name)
    if kernel is None:
        with _COMPILING:
            kernel = _COMPILED.get(name)
            if kernel is None:
                from numba import njit

                kernel = _COMPILED[name] = njit(nogil=True, cache=True)(_PYTHON[name])
    return kernel


_POOL: ThreadPoolExecutor | None = None
_COMPILING = threading.Lock()
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's counting threads, started on first use (one fewer than the cores)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(1, cores() - 1), thread_name_prefix="count")
        return _POOL


def _forget_pool() -> None:
    """In a forked child: the parent's threads do not exist there (nor the locks they held)."""
    global _POOL, _POOL_LOCK, _COMPILING
    _POOL, _POOL_LOCK, _COMPILING = None, threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. under ``taskset``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity


def count_uint8(
    values: np.ndarray, mask: np.ndarray | None = None, *, threads: int = 1
) -> np.ndarray:
    """256 int64 counts of a contiguous 1-D uint8 array (where ``mask``, a 0/1 uint8 array).

    ``threads > 1`` counts that many equal parts at once (the kernels release
    the GIL) and adds the integer counts: the same result, sooner on a large
    image. The calling thread counts the first part; the others go to the
    process's counting pool, whose threads never wait on each other, so
    callers on several threads at once (tiled runs) cannot deadlock it.
    """
    if not AVAILABLE:  # pragma: no cover - numba is a core dependency
        kept = values if mask is None else values[mask.view(bool)]
        return np.bincount(kept, minlength=256).astype(np.int64)
    count, count_masked = _kernel("count"), _kernel("count_masked")
    parts = max(1, min(threads, values.size // MIN_PART))
    if parts == 1:
        return count(values) if mask is None else count_masked(values, mask)
    edges = [values.size * i // parts for i in range(parts + 1)]

    def part(i: int) -> np.ndarray:
        window = slice(edges[i], edges[i + 1])
        return count(values[window]) if mask is None else count_masked(values[window], mask[window])

    others = [_pool().submit(part, i) for i in range(1, parts)]
    counts = part(0)
    for other in others:
        counts = counts + other.result()
    return counts


def count_uint8_joint(
    values: np.ndarray, truth: np.ndarray, fov: np.ndarray | None = None
) -> np.ndarray:
    """Counts of a 2-D uint8 array per value and class: ``(2, 256)``, or ``(3, 256)`` with ``fov``.

    Row 0 counts the pixels where ``truth`` is False, row 1 where it is True;
    with a field of view these are the pixels inside it, and row 2 counts
    those outside it. ``values``, ``truth`` and ``fov`` (boolean) may be
    views of any strides, e.g. a tile's core inside its halo: nothing is
    copied. One pass over the pixels, int64 counts (exact at any size).
    """
    if not AVAILABLE:  # pragma: no cover - numba is a core dependency
        labels = truth.astype(np.intp)
        if fov is not None:
            labels = np.where(fov, labels, 2)
        classes = 2 if fov is None else 3
        flat = values.astype(np.intp) + (labels << 8)
        return np.bincount(flat.ravel(), minlength=classes * 256).reshape(classes, 256)
    if fov is None:
        return _any_layout("joint", 2)(values, truth.view(np.uint8))
    return _any_layout("joint_fov", 3)(values, truth.view(np.uint8), fov.view(np.uint8))


def _any_layout(name: str, arguments: int) -> Any:
    """Kernel ``name`` compiled once for 2-D uint8 arrays of any layout, and no other.

    numba would compile (and cache) one version per combination of
    contiguous and strided arguments met — views of tiles, copies, whole
    images — each costing seconds the first time. One signature of
    any-layout arrays serves them all at the same speed.
    """
    kernel = _kernel(name)
    if not kernel.signatures:
        with _COMPILING:
            if not kernel.signatures:
                kernel.compile(f"int64[:, :]({', '.join(['uint8[:, :]'] * arguments)})")
                kernel.disable_compile()
    return kernel
