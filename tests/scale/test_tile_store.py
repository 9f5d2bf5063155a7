"""Long runs: progress lines, and resuming an interrupted run without redoing finished work."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import algorithms
from bench.scale.engines import ThreadEngine
from bench.scale.tile_store import Progress, RunStore
from bench.scale.tiling import UnitDone, segment_tiled
from bench.scale.volumes import open_volume


class Interrupt(RuntimeError):
    """Stands for Ctrl-C or a killed job."""


def _interrupt_after(n: int, stage: str):
    seen: list[UnitDone] = []

    def on_unit(done: UnitDone) -> None:
        seen.append(done)
        if sum(d.stage == stage for d in seen) == n:
            msg = f"stopped after {n} {stage} units"
            raise Interrupt(msg)

    return on_unit, seen


@pytest.fixture
def stack(rng) -> tuple[np.ndarray, np.ndarray]:
    image = rng.integers(0, 256, (3, 40, 50), dtype=np.uint8)
    image[:, 10:25, 20:40] //= 4
    return image, image < 64


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(("stage", "after"), [("histogram", 5), ("segment", 1), ("segment", 7)])
def test_an_interrupted_run_resumes_without_recomputing(
    tmp_path, stack, stage, after, workers
) -> None:
    image, truth = stack
    kwargs = {"truth": truth, "polarity": "dark", "tile_shape": (16, 20),  # 3 x 3 tiles x 3 slices
              "engine": ThreadEngine(workers)}  # fmt: skip
    expected = segment_tiled(image, "otsu", "median", **kwargs)
    run_dir, mask = tmp_path / "run", tmp_path / "mask.npy"

    on_unit, seen = _interrupt_after(after, stage)
    with pytest.raises(Interrupt):
        segment_tiled(image, "otsu", "median", **kwargs, out=mask, run_dir=run_dir, on_unit=on_unit)
    finished = len(seen)
    assert not list(run_dir.glob(".*")), "no temporary file is left behind"

    on_unit, again = _interrupt_after(10**6, stage)
    result = segment_tiled(
        image, "otsu", "median", **kwargs, out=mask, run_dir=run_dir, on_unit=on_unit
    )
    total = 2 * 27  # two passes (histogram, segment) of 27 units each
    assert result.resumed == finished
    assert result.computed == total - finished
    assert len(again) == total - finished
    assert not {(d.stage, d.z, d.tile.index) for d in seen} & {
        (d.stage, d.z, d.tile.index) for d in again
    }
    assert result.thresholds == expected.thresholds
    assert result.counts == expected.counts
    filtered = np.stack([algorithms.get_filter("median")(s) for s in image])
    thresholds = np.array(expected.thresholds)[:, None, None]
    # Dark objects: p <= t on the original intensities (Fiji's rule), nothing inverted.
    np.testing.assert_array_equal(open_volume(mask)[...], filtered <= thresholds)

    third = segment_tiled(image, "otsu", "median", **kwargs, out=mask, run_dir=run_dir)
    assert (third.computed, third.resumed) == (0, total)
    assert third.counts == expected.counts


def test_a_folder_of_another_run_is_refused(tmp_path, stack) -> None:
    image, truth = stack
    segment_tiled(image, "otsu", truth=truth, tile_shape=20, run_dir=tmp_path)
    with pytest.raises(ValueError, match=r"different run \(it differs in: segmenters\)"):
        segment_tiled(image, "li", truth=truth, tile_shape=20, run_dir=tmp_path)
    changed = image.copy()
    changed[0, 0, 0] ^= 1
    with pytest.raises(ValueError, match="differs in: inputs"):
        segment_tiled(changed, "otsu", truth=truth, tile_shape=20, run_dir=tmp_path)


def test_a_resumable_run_needs_its_outputs_in_files(tmp_path, stack) -> None:
    image, _ = stack
    with pytest.raises(ValueError, match="writes out to a file"):
        segment_tiled(image, "otsu", out=np.zeros(image.shape, bool), run_dir=tmp_path)


def test_records_are_written_in_atomic_batches_and_read_back(tmp_path) -> None:
    store = RunStore(tmp_path, {"run": 1}, flush_every=0.0)
    store.put("a/1", {"x": 1})
    store.put("a/2", {"x": 2})
    parts = sorted(p.name for p in tmp_path.iterdir())
    assert parts == ["manifest.json", "part-000000.json", "part-000001.json"]
    assert json.loads((tmp_path / "part-000001.json").read_text()) == {"a/2": {"x": 2}}
    again = RunStore(tmp_path, {"run": 1})
    assert "a/1" in again
    assert again.get("a/2") == {"x": 2}
    again.put("a/3", {"x": 3})
    again.flush()
    assert (tmp_path / "part-000002.json").is_file()


@pytest.mark.parametrize("name", ["manifest.json", "part-000000.json"])
@pytest.mark.parametrize("content", [b'{"histogram/0": {"cou', b"\xff\xfe", b"[1, 2]"])
def test_a_damaged_record_file_is_named_and_kept(tmp_path, name, content) -> None:
    store = RunStore(tmp_path, {"run": 1})
    store.put("histogram/0", {"counts": [1]})
    store.flush()
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ValueError, match=rf"{name} \(.*\).*damaged"):
        RunStore(tmp_path, {"run": 1})
    assert (tmp_path / name).read_bytes() == content  # nothing deleted


def test_progress_lines_count_tiles_and_resumed_ones() -> None:
    stream = io.StringIO()
    bar = Progress("slide segment", 10, stream=stream, every=0.0)
    bar.update(4, resumed=True)
    bar.update()
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("segbench: slide segment 4/10 tiles, ")
    assert "s left (resumed 4)" in lines[0]
    assert lines[-1].startswith("segbench: slide segment 5/10 tiles in ")
    assert lines[-1].endswith("s (resumed 4)")


def test_a_tiled_run_prints_progress_when_asked(capsys, stack) -> None:
    image, _ = stack
    segment_tiled(image, "otsu", tile_shape=20, progress=True, label="stack")
    err = capsys.readouterr().err
    assert "segbench: stack histogram 18/18 tiles" in err
    assert "segment" not in err  # no mask asked for: the threshold needs one pass
    segment_tiled(image, "otsu", tile_shape=20, progress=True, label="stack",
                  out=np.zeros(image.shape, bool))  # fmt: skip
    assert "segbench: stack segment 18/18 tiles" in capsys.readouterr().err
