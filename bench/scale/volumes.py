"""Images and 3-D stacks larger than memory, read region by region.

A :class:`Volume` is a 2-D image ``(rows, columns)`` or a 3-D stack
``(slices, rows, columns)`` in a file, opened lazily: indexing it reads only
that region and returns an in-memory copy. Formats:

* ``.npy`` — memory-mapped (``np.load(mmap_mode="r")``);
* ``.tif`` / ``.tiff`` — memory-mapped when the pixels are stored
  uncompressed and contiguously (the usual case for ImageJ stacks),
  otherwise decoded tile by tile through tifffile's Zarr view;
* ``.zarr`` — a Zarr array (or ``key`` names the array inside a group).
  A Zarr v3 array on local disk whose chunks are stored plainly or
  compressed with Blosc or Zstd (the usual layouts) is read by
  :class:`ChunkReader`: each chunk file read and decoded in the calling
  thread, without Zarr's event loop, and the chunks at a region's edges kept
  decoded for the neighbouring tile's halo. Other Zarr arrays are read by
  Zarr itself.

Tiles aligned to the chunks decode each chunk about once per pass:
:func:`tile_shape_for` picks such a tile shape from a file's chunking.

Why a copy, and a fresh mapping for each read: pages of a memory map that
were touched stay mapped in the process (and count in its resident memory)
for as long as the map is open. Mapping, copying the region and unmapping
keeps a tiled run's memory at the size of its tiles, whatever the file's.

:class:`VolumeDataset` makes such files a dataset of the harness
(``conf/dataset/volume.yaml``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import itertools
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.data import Sample
from bench.data.kinds import register_kind

__all__ = [
    "FORMATS",
    "BinaryVolume",
    "ChunkReader",
    "Volume",
    "VolumeConfig",
    "VolumeDataset",
    "as_source",
    "content_identity",
    "create_volume",
    "is_volume_path",
    "open_output",
    "open_volume",
    "tile_shape_for",
]

_OPENING = threading.Lock()

FORMATS = {".npy": "npy", ".tif": "tiff", ".tiff": "tiff", ".zarr": "zarr"}
"""File suffix → format read lazily."""


class Volume:
    """A 2-D image or 3-D stack in a file; ``volume[region]`` reads that region.

    Create one with :func:`open_volume` or :func:`create_volume`. It pickles
    as its path and layout, so Dask workers open the file themselves.

    Attributes
    ----------
    path : Path
    format : {"npy", "tiff", "zarr"}
    shape : tuple of int
    dtype : numpy.dtype
        The pixels' type in native byte order (what reads return).
    key : str or None
        The array's name inside a Zarr group.
    offset : int or None
        Byte offset of contiguous pixel data (memory-mappable files).
    writable : bool
    """

    def __init__(
        self,
        path: Path,
        format: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        *,
        key: str | None = None,
        offset: int | None = None,
        writable: bool = False,
    ) -> None:
        self.path = path
        self.format = format
        self.shape = tuple(int(n) for n in shape)
        self.stored_dtype = np.dtype(dtype)  # as in the file (big-endian TIFFs exist)
        self.dtype = self.stored_dtype.newbyteorder("=")
        self.key = key
        self.offset = offset
        self.writable = writable
        self._handle: Any = None  # an open Zarr array, per process (never pickled)
        self._reader: ChunkReader | bool | None = None  # False: Zarr reads it itself

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The shape of a chunk (Zarr, tiled TIFF through Zarr); None when memory-mapped."""
        if self.offset is not None:
            return None
        with self._array() as array:
            return tuple(int(n) for n in array.chunks)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"Volume({str(self.path)!r}, shape={self.shape}, dtype={self.dtype})"

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_handle": None, "_reader": None}

    def identity(self) -> dict[str, Any]:
        """What identifies the file's content cheaply: path, size, modification time."""
        stat = self.path.stat()
        size = stat.st_size if self.path.is_file() else None
        return {"path": str(self.path.resolve()), "size": size, "mtime_ns": stat.st_mtime_ns}

    @contextlib.contextmanager
    def _array(self, mode: str = "r") -> Iterator[Any]:
        if self.offset is not None:  # .npy, or a contiguous uncompressed TIFF
            mapped = np.memmap(
                self.path, dtype=self.stored_dtype, mode=mode, offset=self.offset, shape=self.shape
            )
            try:
                yield mapped
            finally:
                if mode != "r":
                    mapped.flush()
                del mapped  # unmap now: see the module docstring
            return
        if self._handle is None:
            self._handle = _open_zarr(self.path, self.format, self.key, self.writable)
        yield self._handle

    def __getitem__(self, index: Any) -> np.ndarray:
        reader = self._chunk_reader()
        if reader is not None:
            region = reader.read(index)
            if region is not None:
                return region
        with self._array() as array:
            region = np.array(array[index])
        if not region.dtype.isnative:
            region = region.astype(region.dtype.newbyteorder("="))
        return region

    def __setitem__(self, index: Any, value: np.ndarray) -> None:
        if not self.writable:
            msg = f"{self} was opened read-only; create outputs with create_volume()."
            raise ValueError(msg)
        with self._array("r+") as array:
            array[index] = value

    def _chunk_reader(self) -> ChunkReader | None:
        if self._reader is None:
            with _OPENING:  # tiles of several threads share one reader and its cache
                if self._reader is None:
                    reader: ChunkReader | None = None
                    if self.format == "zarr" and not self.writable:
                        with self._array() as array:
                            reader = ChunkReader.of(array)
                    self._reader = reader or False
        return self._reader or None

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self[...]
        return array if dtype is None else array.astype(dtype)


def _open_zarr(path: Path, fmt: str, key: str | None, writable: bool) -> Any:
    import zarr

    if fmt == "tiff":  # compressed or tiled TIFF: tifffile decodes the chunks a read touches
        import tifffile

        return zarr.open(tifffile.imread(path, aszarr=True), mode="r")
    return zarr.open(path, mode="r+" if writable else "r", **({"path": key} if key else {}))


_BUFFERS = threading.local()


def _fill(file: Any, view: memoryview, path: Path) -> None:
    """Read exactly ``len(view)`` bytes of ``file`` into ``view``."""
    done = 0
    while done < len(view):
        read = file.readinto(view[done:])
        if not read:
            msg = f"{path} ends after {done} bytes of {len(view)}: a truncated chunk."
            raise ValueError(msg)
        done += read


def _thread_buffer(size: int) -> memoryview:
    """This thread's reusable buffer, of at least ``size`` bytes.

    A fresh ``bytes`` per chunk costs more than the decoding: each is new
    memory the kernel must map page by page (measured: 560 kB chunks read
    at 0.9 GB/s that way, at 14 GB/s into a buffer used again).
    """
    buffer = getattr(_BUFFERS, "buffer", None)
    if buffer is None or len(buffer) < size:
        buffer = _BUFFERS.buffer = bytearray(max(size, 1 << 20))
    return memoryview(buffer)[:size]


_BLOSC_HEADER = 16
_BLOSC_MEMCPYED = 0x02  # flag of a Blosc 1 chunk stored uncompressed (header byte 2)


class ChunkReader:
    """Reads regions of a Zarr v3 array on local disk chunk by chunk, in the calling thread.

    Zarr 3's synchronous API hands every read to one event-loop thread, so
    two worker threads reading tiles wait on each other (measured on the
    2-core machine: tiles of a Blosc-LZ4 slice read at 673 Mpx/s on 1 thread,
    456 Mpx/s on 2). This reader opens each chunk's file and decodes it with
    numcodecs in the calling thread (file reads and Blosc release the GIL),
    so worker threads read in parallel, and no thread pool of Zarr's runs.

    Chunks inside a region are decoded straight into the result. A region
    with a halo covers the chunks at its edges partly; those, and the chunks
    next to them (which the neighbouring tile's halo touches), go through a
    small cache of decoded chunks shared by the threads (a chunk being
    decoded by one thread is waited for, not decoded again). With tiles
    aligned to the chunks (:func:`tile_shape_for`) each chunk is then
    decoded about once per pass; :attr:`decoded` counts decodes.

    Threads: numcodecs' Blosc uses its own threads only when called from the
    main thread (a run on one worker thread: it decodes on both cores); from
    the worker threads of a 2-thread run it decodes in the calling thread,
    so the two never compete for the cores.

    :meth:`of` returns None for layouts it does not read (sharding, codecs
    other than Blosc and Zstd, filters, other stores, big-endian data):
    Zarr reads those itself.
    """

    def __init__(
        self,
        folder: Path,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: np.dtype,
        fill_value: Any,
        chunk_key: Any,
        decode: Any,
        cache_bytes: int = 64 << 20,
        blosc: bool = False,
    ) -> None:
        self.folder = folder
        self.shape = shape
        self.chunks = chunks
        self.dtype = dtype
        self.fill_value = fill_value
        self.chunk_key = chunk_key  # chunk coordinates -> the file's path under folder
        self.decode = decode  # (encoded bytes, destination buffer) -> None; None: stored raw
        self.blosc = blosc  # Blosc 1 chunks: those stored uncompressed are read in place
        self.chunk_bytes = int(np.prod(chunks)) * dtype.itemsize
        self.cache_chunks = max(8, cache_bytes // max(self.chunk_bytes, 1))
        self.decoded = 0
        self._cache: OrderedDict[tuple[int, ...], concurrent.futures.Future] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, array: Any) -> ChunkReader | None:
        """A reader of a Zarr array, or None when Zarr must read it itself."""
        try:
            from zarr.codecs import BloscCodec, BytesCodec, ZstdCodec
            from zarr.core.chunk_grids import RegularChunkGrid
            from zarr.storage import LocalStore
        except ImportError:  # pragma: no cover - another Zarr version
            return None
        meta = getattr(array, "metadata", None)
        store_path = getattr(array, "store_path", None)
        if getattr(meta, "zarr_format", None) != 3 or store_path is None:
            return None
        if not isinstance(store_path.store, LocalStore):
            return None
        if not isinstance(meta.chunk_grid, RegularChunkGrid):
            return None
        dtype = np.dtype(array.dtype)
        codecs = tuple(meta.codecs)
        if dtype.kind not in "biuf" or not codecs or type(codecs[0]) is not BytesCodec:
            return None
        endian = getattr(codecs[0].endian, "value", codecs[0].endian)
        if dtype.itemsize > 1 and endian not in (None, sys.byteorder):
            return None
        if len(codecs) == 1:
            decode = None
        elif len(codecs) == 2 and type(codecs[1]) is BloscCodec:
            from numcodecs import blosc

            decode = blosc.decompress
        elif len(codecs) == 2 and type(codecs[1]) is ZstdCodec:
            from numcodecs import Zstd

            decode = Zstd().decode
        else:
            return None
        folder = Path(store_path.store.root) / store_path.path
        return cls(folder, tuple(array.shape), tuple(meta.chunk_grid.chunk_shape), dtype,
                   meta.fill_value, meta.encode_chunk_key, decode,
                   blosc=type(codecs[-1]) is BloscCodec)  # fmt: skip

    def _bounds(self, index: Any) -> tuple[list[tuple[int, int]], tuple[Any, ...]] | None:
        """``index`` as (start, stop) per axis and the view dropping integer axes; None if fancy."""
        index = index if isinstance(index, tuple) else (index,)
        if sum(i is Ellipsis for i in index) > 1:
            return None
        if Ellipsis in index:
            at = index.index(Ellipsis)
            fill = (slice(None),) * (len(self.shape) - len(index) + 1)
            index = index[:at] + fill + index[at + 1 :]
        if len(index) > len(self.shape):
            return None
        index = index + (slice(None),) * (len(self.shape) - len(index))
        bounds, view = [], []
        for item, n in zip(index, self.shape, strict=True):
            if isinstance(item, slice):
                start, stop, step = item.indices(n)
                if step != 1:
                    return None
                bounds.append((start, max(start, stop)))
                view.append(slice(None))
            elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                i = int(item) + (n if item < 0 else 0)
                if not 0 <= i < n:
                    return None  # Zarr raises its own IndexError
                bounds.append((i, i + 1))
                view.append(0)
            else:
                return None
        return bounds, tuple(view)

    def read(self, index: Any) -> np.ndarray | None:
        """The region ``index`` (integers and unit-step slices) as a new array; None otherwise."""
        found = self._bounds(index)
        if found is None:
            return None
        bounds, view = found
        out = np.empty([b - a for a, b in bounds], self.dtype)
        if out.size == 0:
            return out[view]
        spans = [
            range(a // c, (b - 1) // c + 1) for (a, b), c in zip(bounds, self.chunks, strict=True)
        ]
        # Per axis, the chunks the region covers partly (at most its first and last).
        partial = [
            {k for k in (span[0], span[-1]) if k * c < a or min((k + 1) * c, n) > b}
            for span, (a, b), c, n in zip(spans, bounds, self.chunks, self.shape, strict=True)
        ]
        for coords in itertools.product(*spans):
            low = [k * c for k, c in zip(coords, self.chunks, strict=True)]
            high = [min(lo + c, n) for lo, c, n in zip(low, self.chunks, self.shape, strict=True)]
            src = tuple(slice(max(a, lo) - lo, min(b, hi) - lo)
                        for (a, b), lo, hi in zip(bounds, low, high, strict=True))  # fmt: skip
            dst = out[tuple(slice(max(a, lo) - a, min(b, hi) - a)
                            for (a, b), lo, hi in zip(bounds, low, high, strict=True))]  # fmt: skip
            shared = any(k in part or k - 1 in part or k + 1 in part
                         for k, part in zip(coords, partial, strict=True))  # fmt: skip
            if not shared and dst.shape == self.chunks and dst.flags.c_contiguous:
                self._decode_into(coords, dst)
            else:
                dst[...] = self._cached(coords)[src]
        return out[view]

    def _decode_into(self, coords: tuple[int, ...], dest: np.ndarray) -> None:
        path = self.folder / self.chunk_key(coords)
        raw = memoryview(dest.reshape(-1).view(np.uint8))
        try:
            file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
        except FileNotFoundError:  # never written: every pixel is the fill value
            dest[...] = self.fill_value
            return
        with file:
            size = os.fstat(file.fileno()).st_size
            if self.decode is None:
                if size != len(raw):
                    msg = f"{path} holds {size} bytes; a chunk {self.chunks} is {len(raw)}."
                    raise ValueError(msg)
                _fill(file, raw, path)
            else:
                encoded = _thread_buffer(size)
                head = min(size, _BLOSC_HEADER)
                _fill(file, encoded[:head], path)
                if self.blosc and self._stored_as_is(encoded[:head], size, len(raw)):
                    _fill(file, raw, path)  # Blosc kept it uncompressed: read it in place
                else:
                    _fill(file, encoded[head:], path)
                    self.decode(encoded, dest)
        with self._lock:
            self.decoded += 1

    @staticmethod
    def _stored_as_is(header: memoryview, size: int, nbytes: int) -> bool:
        """Whether a Blosc chunk of ``size`` bytes holds ``nbytes`` as they are after its header."""
        return (
            len(header) == _BLOSC_HEADER
            and header[2] & _BLOSC_MEMCPYED
            and int.from_bytes(header[4:8], "little") == nbytes
            and int.from_bytes(header[12:16], "little") == size == nbytes + _BLOSC_HEADER
        )

    def _cached(self, coords: tuple[int, ...]) -> np.ndarray:
        with self._lock:
            future = self._cache.get(coords)
            owner = future is None
            if owner:
                future = self._cache[coords] = concurrent.futures.Future()
                while len(self._cache) > self.cache_chunks:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(coords)
        if not owner:
            return future.result()  # decoded, or being decoded by another thread
        chunk = np.empty(self.chunks, self.dtype)
        try:
            self._decode_into(coords, chunk)
        except BaseException as error:
            future.set_exception(error)
            with self._lock:
                self._cache.pop(coords, None)
            raise
        future.set_result(chunk)
        return chunk


def is_volume_path(path: str | Path) -> bool:
    """True for a file (or Zarr folder) that :func:`open_volume` reads lazily."""
    path = Path(path)
    suffix = path.suffix.lower()
    return suffix in FORMATS and (path.is_file() or (suffix == ".zarr" and path.is_dir()))


def tile_shape_for(source: Any, pixels: int = 1 << 22) -> tuple[int, int]:
    """A tile shape of about ``pixels`` aligned to the chunks of ``source`` (rows, columns).

    A tile made of whole chunks decodes each chunk once per pass (its halo
    takes the neighbours' edge chunks from :class:`ChunkReader`'s cache);
    a tile that cuts chunks decodes them again for every tile that touches
    them (a chunk of full rows, under tiles of 2048 columns: 9 times on the
    article's 17480-column slice). Chunks spanning the columns give tiles
    of full rows; an unchunked source (``.npy``, memory-mapped TIFF, an
    array) also gets full rows, which a memory map reads contiguously.

    Examples
    --------
    >>> import numpy as np
    >>> tile_shape_for(np.zeros((8026, 17480), np.uint8))
    (240, 17480)
    """
    shape = tuple(int(n) for n in source.shape)
    rows, cols = shape[-2:]
    chunks = getattr(source, "chunks", None)
    chunk_r, chunk_c = (1, cols) if not chunks else (int(chunks[-2]), int(chunks[-1]))
    chunk_c = min(chunk_c, cols)
    if chunk_c < cols:  # a few chunks across, about 2048 columns
        chunk_c *= max(1, 2048 // chunk_c)
    tile_c = min(chunk_c, cols)
    tile_r = chunk_r * max(1, round(pixels / tile_c / chunk_r))
    return min(tile_r, rows), tile_c


def _check_layout(path: Path, shape: tuple[int, ...]) -> None:
    if len(shape) not in (2, 3):
        msg = (
            f"{path} holds an array of shape {shape}; expected a 2-D image (rows, columns) "
            "or a 3-D stack (slices, rows, columns). Convert colour to grey first."
        )
        raise ValueError(msg)


def open_volume(path: str | Path, key: str | None = None) -> Volume:
    """Open a 2-D image or 3-D stack for lazy reading.

    Parameters
    ----------
    path : str or Path
        A ``.npy``, ``.tif``/``.tiff`` file or a ``.zarr`` folder.
    key : str, optional
        The array inside a Zarr group.

    Raises
    ------
    FileNotFoundError
        If nothing is at ``path``.
    ValueError
        If the suffix is not one of :data:`FORMATS` or the array is not 2-D or 3-D.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "stack.npy"
    >>> np.save(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    >>> volume = open_volume(path)
    >>> volume.shape, volume[1, :2, 1:3].tolist()
    ((2, 3, 4), [[13, 14], [17, 18]])
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        msg = (
            f"Cannot read {path} lazily: unknown suffix {path.suffix!r}. "
            f"Use one of {', '.join(sorted(FORMATS))}."
        )
        raise ValueError(msg)
    if not path.exists():
        msg = f"Image or stack not found: {path}"
        raise FileNotFoundError(msg)
    if fmt == "npy":
        header = np.load(path, mmap_mode="r")
        volume = Volume(path, fmt, header.shape, header.dtype, offset=int(header.offset))
        if not header.flags.c_contiguous:
            msg = f"{path} is stored in Fortran order; save it C-ordered (np.ascontiguousarray)."
            raise ValueError(msg)
        del header
    elif fmt == "tiff":
        import tifffile

        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            shape, offset = series.shape, series.dataoffset
            dtype = series.dtype.newbyteorder(tif.byteorder)
        volume = Volume(path, fmt, shape, dtype, offset=offset)
    else:
        array = _open_zarr(path, fmt, key, writable=False)
        if not hasattr(array, "shape"):
            msg = f"{path} is a Zarr group; name the array inside it with key=... ."
            raise ValueError(msg)
        volume = Volume(path, fmt, array.shape, array.dtype, key=key)
    _check_layout(path, volume.shape)
    return volume


def create_volume(
    path: str | Path,
    shape: tuple[int, ...],
    dtype: Any = bool,
    chunks: tuple[int, ...] | None = None,
) -> Volume:
    """Create a ``.npy`` or ``.zarr`` output of ``shape`` filled with zeros, open for writing.

    ``chunks`` (Zarr only) should match the tiles that write into it, so that
    no two tiles share a chunk.
    """
    path = Path(path)
    shape = tuple(int(n) for n in shape)
    _check_layout(path, shape)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt == "npy":
        created = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
        offset = int(created.offset)
        del created
        return Volume(path, fmt, shape, np.dtype(dtype), offset=offset, writable=True)
    if fmt == "zarr":
        import zarr

        zarr.open_array(path, mode="w", shape=shape, chunks=chunks or shape, dtype=dtype)
        return Volume(path, fmt, shape, np.dtype(dtype), writable=True)
    msg = f"Outputs are written as .npy or .zarr; got {path}."
    raise ValueError(msg)


def reopen_for_writing(volume: Volume) -> Volume:
    """The same file as ``volume``, writable (to resume filling an output)."""
    return Volume(
        volume.path, volume.format, volume.shape, volume.stored_dtype,
        key=volume.key, offset=volume.offset, writable=True,
    )  # fmt: skip


def as_source(data: Any, name: str) -> Any:
    """``data`` as something tiles can be read from: a path is opened as a :class:`Volume`."""
    if data is None or isinstance(data, Volume):
        return data
    if isinstance(data, (str, Path)):
        return open_volume(data)
    if hasattr(data, "shape") and hasattr(data, "dtype") and hasattr(data, "__getitem__"):
        return data  # ndarray, memmap, Zarr array, BinaryVolume
    array = np.asarray(data)
    if array.dtype == object:
        msg = f"{name} must be an array, a Volume or a path; got {type(data).__name__}."
        raise TypeError(msg)
    return array


def content_identity(source: Any) -> Any:
    """What the manifest records of an input, so a resumed run cannot mix inputs."""
    if source is None:
        return None
    if hasattr(source, "identity"):
        return source.identity()
    if hasattr(source, "volume"):  # BinaryVolume
        return {**content_identity(source.volume), "truth_value": source.truth_value}
    if isinstance(source, np.ndarray):
        digest = hashlib.sha256()
        flat = np.ascontiguousarray(source).reshape(-1).view(np.uint8)
        for start in range(0, flat.size, 1 << 26):
            digest.update(flat[start : start + (1 << 26)])
        return {"sha256": digest.hexdigest(), "shape": source.shape, "dtype": str(source.dtype)}
    return {"type": type(source).__name__, "shape": source.shape, "dtype": str(source.dtype)}


def open_output(out: Any, shape: tuple[int, ...], dtype: Any, chunks: Any, resuming: bool) -> Any:
    """An output to write tiles into: a path is created, or reopened when ``resuming``."""
    if out is None or not isinstance(out, (str, Path)):
        return out
    path = Path(out)
    if resuming and path.exists():
        volume = open_volume(path)
        if volume.shape == tuple(shape) and volume.dtype == np.dtype(dtype):
            return reopen_for_writing(volume)
    return create_volume(path, shape, dtype, chunks)


class BinaryVolume:
    """A ground-truth volume read to a boolean mask by ``truth_value``.

    ``truth_value`` is the foreground value, or ``"nonzero"``. A region with
    more than two values, or two without ``truth_value``, is an error naming
    them, as :func:`bench.data.read_truth` does for whole files.
    """

    def __init__(self, volume: Any, truth_value: int | str = 255) -> None:
        self.volume = volume  # a Volume, or any array (ndarray, Zarr) of labels
        self.source = str(getattr(volume, "path", f"array of dtype {volume.dtype}"))
        self.truth_value = truth_value
        self.shape = volume.shape
        self.dtype = np.dtype(bool)
        self.ndim = volume.ndim

    def __getitem__(self, index: Any) -> np.ndarray:
        values = self.volume[index]
        if values.dtype == bool:
            return values
        if self.truth_value == "nonzero":
            return values != 0
        if values.dtype == np.uint8:
            found = np.flatnonzero(np.bincount(values.ravel(), minlength=256))
        else:
            found = np.unique(values)
        if found.size > 2 or (found.size == 2 and self.truth_value not in found):
            shown = ", ".join(str(v) for v in found[:12])
            msg = (
                f"Ground truth {self.source} is not binary under the rule foreground == "
                f"{self.truth_value}: found values {shown}. Set the dataset's truth_value."
            )
            raise ValueError(msg)
        return values == self.truth_value


@dataclass
class VolumeDataset:
    """One image or stack file and its ground truth, read lazily (one sample).

    ``python -m bench dataset=volume dataset.images=slide.npy
    dataset.masks=truth.npy runner=tiled`` — see ``conf/dataset/volume.yaml``.
    """

    name: str
    image: Path
    truth: Path
    truth_value: int | str = 255
    polarity: str = "bright"

    def pairs(self) -> list[tuple[str, Path, Path]]:
        """The (id, image, truth) triple; raises if a file is missing or unreadable."""
        image, truth = open_volume(self.image), open_volume(self.truth)
        if image.shape != truth.shape:
            msg = (
                f"Dataset {self.name!r}: truth {self.truth} has shape {truth.shape} but "
                f"image {self.image} has shape {image.shape}; they must match."
            )
            raise ValueError(msg)
        return [(self.image.stem, self.image, self.truth)]

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[Sample]:
        for key, image_path, truth_path in self.pairs():
            truth = BinaryVolume(open_volume(truth_path), self.truth_value)
            meta = {"image_path": str(image_path), "mask_path": str(truth_path)}
            yield Sample(key, open_volume(image_path), truth, None, self.polarity, meta)  # type: ignore[arg-type]

    def in_memory(self) -> Iterator[Sample]:
        """The sample read whole (a 2-D image only), for the whole-image runner."""
        for sample in self:
            if sample.image.ndim != 2:
                msg = (
                    f"Dataset {self.name!r} is a 3-D stack {sample.image.shape}: run it with "
                    "runner=tiled or runner=dask (the whole-image runner takes 2-D images)."
                )
                raise ValueError(msg)
            image, truth = sample.image[...], sample.truth[...]
            yield Sample(sample.id, image, truth, None, sample.polarity, sample.meta)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VolumeDataset:
        """From a ``dataset`` config whose ``images``/``masks`` name files, not folders.

        Keys are those of :class:`VolumeConfig`; those of a folder dataset
        (the command line's schema fills them in) are ignored.
        """
        for role in ("name", "images", "masks"):
            if config.get(role) in (None, "???"):
                msg = f"A volume dataset needs dataset.{role}; got {config.get(role)!r}."
                raise ValueError(msg)
        root = Path(config["root"]).expanduser() if config.get("root") else Path()
        return cls(
            name=config["name"],
            image=root / config["images"],
            truth=root / config["masks"],
            truth_value=config.get("truth_value", 255),
            polarity=config.get("polarity", "bright"),
        )


@dataclass
class VolumeConfig:
    """The settings of a ``volume`` dataset (``conf/dataset/volume.yaml``)."""

    name: str = "???"
    kind: str = "volume"
    root: str | None = None  # folder of both files; None: the current directory
    images: str = "???"  # the image or stack file
    masks: str = "???"  # its ground truth, same shape
    truth_value: Any = 255  # foreground value of the truth, or "nonzero"
    polarity: str = "bright"  # "dark": objects darker than the background


# The worked example of a dataset kind (bench.data.kinds): its settings and its builder.
register_kind("volume", VolumeConfig, VolumeDataset.from_config)
