"""``python -m bench dataset=folder``: a user's own folder, in one command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def _bench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture
def user_folder(tmp_path: Path, blobs) -> Path:
    """Mixed formats, as users have them: a 16-bit TIFF, a JPEG, a PNG; label masks."""
    image, truth = blobs
    (tmp_path / "my/images").mkdir(parents=True)
    (tmp_path / "my/masks").mkdir(parents=True)
    tifffile.imwrite(tmp_path / "my/images/cell_a.tif", image.astype(np.uint16) * 257)
    Image.fromarray(255 - image).save(tmp_path / "my/images/cell_b.jpg", quality=95)
    Image.fromarray(np.dstack([image] * 3)).save(tmp_path / "my/images/cell_c.png")
    labels = truth.astype(np.uint8) * 3  # any nonzero value is an object
    for key in ("a", "b", "c"):
        Image.fromarray(labels).save(tmp_path / f"my/masks/cell_{key}.png")
    return tmp_path


def test_own_folder_in_one_command(user_folder: Path) -> None:
    done = _bench(
        user_folder, "dataset=folder", "dataset.images=my/images", "dataset.masks=my/masks",
        "hydra.run.dir=out", "output.overlays=false", "output.histograms=false",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(user_folder / "out/metrics.parquet")
    assert table["image"].tolist() == ["cell_a", "cell_b", "cell_c"]
    assert table["polarity"].tolist() == ["bright", "dark", "bright"]  # decided per image
    assert (table["mcc"] > 0.9).all()
    assert table["dataset_hash"].nunique() == 1
    assert len(table["dataset_hash"].iloc[0]) == 16
    assert set(table["split"]) <= {"train", "test"}
    assert (table["dataset"] == "folder").all()


def test_unpaired_file_stops_the_run_naming_it(user_folder: Path) -> None:
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(user_folder / "my/images/cell_d.png")
    done = _bench(
        user_folder, "dataset=folder", "dataset.images=my/images", "dataset.masks=my/masks",
        "hydra.run.dir=out",
    )  # fmt: skip
    assert done.returncode == 2
    assert "1 file(s) have no partner" in done.stderr
    assert "my/images/cell_d.png" in done.stderr
    assert not (user_folder / "out").exists()


@pytest.mark.slow
def test_unpaired_skip_runs_and_warns(user_folder: Path) -> None:
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(user_folder / "my/images/cell_d.png")
    done = _bench(
        user_folder, "dataset=folder", "dataset.images=my/images", "dataset.masks=my/masks",
        "dataset.unpaired=skip", "dataset.limit=1", "hydra.run.dir=out",
        "output.overlays=false", "output.histograms=false",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "left out 1 unpaired file(s)" in done.stderr
    assert "cell_d.png" in done.stderr
    assert len(pd.read_parquet(user_folder / "out/metrics.parquet")) == 1
