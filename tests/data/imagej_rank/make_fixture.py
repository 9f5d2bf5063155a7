"""Regenerate imagej_rank.npz with the real ImageJ (needs java and ij.jar, not needed by the tests).

    python tests/data/imagej_rank/make_fixture.py [path/to/ij.jar]

Images: a crop of the built-in KESM sample and a seeded random image with few
grey levels (many ties). For each radius, ImageJ's RankFilters MIN, MAX and
MEDIAN of the 8-bit image and MEAN and VARIANCE of its 32-bit copy: the window
statistics behind Fiji's Auto Local Threshold.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RADII = (1, 2, 3, 5, 8, 15)


def _images() -> dict[str, np.ndarray]:
    from PIL import Image

    kesm = np.asarray(Image.open(HERE.parents[2] / "bench/data/kesm/images/grayscale.png"))
    rng = np.random.default_rng(2024)
    levels = rng.choice(np.array([0, 7, 100, 101, 255], dtype=np.uint8), size=(23, 37))
    return {"kesm": np.ascontiguousarray(kesm[100:141, 200:253]), "levels": levels}


def main(jar: str = "/usr/share/java/ij.jar") -> None:
    with tempfile.TemporaryDirectory() as build:
        subprocess.run(["javac", "-nowarn", "-cp", jar, "-d", build, str(HERE / "RankOracle.java")],
                       check=True)  # fmt: skip
        arrays: dict[str, np.ndarray] = {}
        for name, image in _images().items():
            arrays[f"{name}/image"] = image
            h, w = image.shape
            text = " ".join(map(str, image.ravel().tolist()))
            for radius in RADII:
                done = subprocess.run(
                    ["java", "-Djava.awt.headless=true", "-cp", f"{jar}:{build}", "RankOracle",
                     str(w), str(h), str(radius)],
                    input=text, capture_output=True, text=True, check=True,
                )  # fmt: skip
                for line in done.stdout.splitlines():
                    stat, *values = line.split()
                    dtype = np.float32 if stat in ("MEAN", "VARIANCE") else np.uint8
                    arrays[f"{name}/{radius}/{stat}"] = np.array(values, dtype=dtype).reshape(h, w)
    np.savez_compressed(HERE / "imagej_rank.npz", **arrays)


if __name__ == "__main__":
    main(*sys.argv[1:])
