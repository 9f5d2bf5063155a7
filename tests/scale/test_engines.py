"""Engines: threads and Dask give the same results as a serial tiled run."""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from bench.scale.engines import DaskEngine, ThreadEngine, engine_from_config
from bench.scale.tiling import segment_tiled

distributed = pytest.importorskip("distributed")

CASES = [("otsu", "median"), ("li", "gaussian"), ({"name": "adaptive", "block_size": 15}, "median")]


@pytest.fixture(scope="module")
def cluster():
    """Two in-process workers of one thread each (a real scheduler, TCP, no processes)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
        protocol="tcp", host="127.0.0.1",
    ) as cluster:  # fmt: skip
        yield cluster


@pytest.fixture(scope="module")
def stack() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    image = rng.normal(80, 25, (2, 45, 70))
    image[:, 10:30, 15:50] += 80
    return image.clip(0, 255).astype(np.uint8), image > 120


def _run(stack, engine, method, filt, **kwargs):
    image, truth = stack
    out = np.zeros(image.shape, bool)
    result = segment_tiled(image, method, filt, truth=truth, tile_shape=(16, 25), out=out,
                           engine=engine, **kwargs)  # fmt: skip
    return result, out


@pytest.mark.parametrize(("method", "filt"), CASES)
def test_threads_equal_serial(stack, method, filt) -> None:
    serial, serial_mask = _run(stack, None, method, filt)
    threaded, threaded_mask = _run(stack, ThreadEngine(workers=2), method, filt)
    assert threaded.thresholds == serial.thresholds
    assert threaded.counts == serial.counts
    np.testing.assert_array_equal(threaded_mask, serial_mask)


@pytest.mark.parametrize(("method", "filt"), CASES)
def test_a_dask_cluster_of_two_workers_equals_serial(stack, cluster, method, filt) -> None:
    serial, serial_mask = _run(stack, None, method, filt)
    with DaskEngine(address=cluster.scheduler_address) as engine:
        result, mask = _run(stack, engine, method, filt)
        assert sum(engine.client.nthreads().values()) == 2
    assert result.thresholds == serial.thresholds
    assert result.counts == serial.counts
    np.testing.assert_array_equal(mask, serial_mask)
    per_slice = [algorithms.get("otsu").threshold(algorithms.get_filter("median")(s))
                 for s in stack[0]]  # fmt: skip
    if method == "otsu":
        assert result.thresholds == per_slice


def test_dask_runs_from_files_on_workers(tmp_path, stack, cluster) -> None:
    image, truth = stack
    np.save(tmp_path / "image.npy", image)
    np.save(tmp_path / "truth.npy", truth)
    serial = segment_tiled(image, "otsu", "median", truth=truth, tile_shape=(16, 25),
                           stack_histogram=True)  # fmt: skip
    with DaskEngine(address=cluster.scheduler_address) as engine:
        result = segment_tiled(tmp_path / "image.npy", "otsu", "median",
                               truth=tmp_path / "truth.npy", tile_shape=(16, 25),
                               stack_histogram=True, engine=engine, run_dir=tmp_path / "run",
                               out=tmp_path / "mask.zarr")  # fmt: skip
    assert result.thresholds == serial.thresholds
    assert result.counts == serial.counts


def test_an_interrupted_dask_run_resumes_without_recomputing(tmp_path, stack, cluster) -> None:
    image, truth = stack
    expected = segment_tiled(image, "li", "median", truth=truth, tile_shape=(16, 25))
    kwargs = {
        "truth": truth,
        "tile_shape": (16, 25),
        "run_dir": tmp_path,
        "out": tmp_path / "m.npy",
    }
    seen = []

    def stop_at_five(done) -> None:
        seen.append(done)
        if len(seen) == 5:
            msg = "interrupted"
            raise KeyboardInterrupt(msg)

    with DaskEngine(address=cluster.scheduler_address) as engine:
        with pytest.raises(KeyboardInterrupt):
            segment_tiled(image, "li", "median", engine=engine, on_unit=stop_at_five, **kwargs)
        result = segment_tiled(image, "li", "median", engine=engine, **kwargs)
    assert result.resumed == 5
    assert result.computed == 2 * 2 * 9 - 5  # two passes over 2 slices x 9 tiles
    assert result.counts == expected.counts
    assert result.thresholds == expected.thresholds


def test_dask_without_an_address_runs_on_local_threads(stack) -> None:
    serial, _ = _run(stack, None, "otsu", "median")
    with DaskEngine(workers=2) as engine:
        result, _ = _run(stack, engine, "otsu", "median")
        assert engine.client.cluster.scheduler_address.startswith("inproc://")
    assert result.counts == serial.counts
    assert engine.client is None


def test_engines_from_the_runner_config() -> None:
    assert isinstance(engine_from_config({"name": "tiled", "workers": 2}), ThreadEngine)
    dask = engine_from_config({"name": "dask", "address": "tcp://10.0.0.1:8786", "workers": None})
    assert isinstance(dask, DaskEngine)
    assert dask.address == "tcp://10.0.0.1:8786"
    assert dask.client is None  # nothing is contacted before the run
    with pytest.raises(ValueError, match="does not run tiles"):
        engine_from_config({"name": "local"})
    with pytest.raises(ValueError, match="workers must be a positive integer; got 0"):
        list(ThreadEngine(workers=0).map_unordered(lambda x, s: x, [1], None))


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    engine = DaskEngine(address="tcp://127.0.0.1:9", timeout=1)
    with pytest.raises(
        ValueError, match=r"Cannot reach a Dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        list(engine.map_unordered(lambda x, s: x, [1], None))


def test_an_error_in_a_task_reaches_the_caller_and_cancels_the_rest(cluster) -> None:
    def fail_on_three(x, shared):
        if x == 3:
            msg = "tile 3 is broken"
            raise ValueError(msg)
        return x

    for engine in (ThreadEngine(workers=2), DaskEngine(address=cluster.scheduler_address)):
        with engine, pytest.raises(ValueError, match="tile 3 is broken"):
            list(engine.map_unordered(fail_on_three, range(50), None))
