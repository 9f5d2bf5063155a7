"""The layers import downwards only: no package below ``bench/cli`` imports Hydra or the CLI.

``algorithms`` knows nothing of ``bench``; ``bench/data`` nothing of the
runs, the scale machinery, the reports or Hydra; only ``bench/cli`` composes
configs. Checked on the source (every import statement), and by importing
``bench.data`` in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "algorithms": ("bench", "hydra", "omegaconf"),
    "bench/data": ("bench.run", "bench.scale", "bench.report", "bench.cli", "hydra", "omegaconf"),
    "bench/run": ("bench.report", "bench.cli", "hydra", "omegaconf"),
    "bench/scale": ("bench.report", "bench.cli", "hydra", "omegaconf"),
    "bench/report": ("bench.cli", "hydra"),
}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", FORBIDDEN)
def test_no_upward_import(layer: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer])
    ]
    assert not bad, bad


def test_importing_the_data_layer_loads_no_hydra() -> None:
    code = "import sys, bench.data; print(sorted(m for m in sys.modules if 'hydra' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)  # fmt: skip
    assert done.stdout.strip() == "[]"


# What a default run (`python -m bench`: the KESM sample, Otsu, its overlay and histogram)
# must not import: the report's plotting and statistics, the optional engines, and numba
# (a 512² image is counted by cv2.calcHist). Each costs a run start-up time it does not use
# (seaborn and scipy.stats alone ~1 s; numba's import and first kernel ~0.5 s).
NOT_IN_A_RUN = (
    "matplotlib", "seaborn", "scipy.stats", "bench.report.build", "bench.report.figures",
    "torch", "dask", "distributed", "zarr", "sklearn", "numba",
)  # fmt: skip


@pytest.fixture(scope="module")
def modules_of_a_default_run(tmp_path_factory) -> dict[str, set[str]]:
    folder = tmp_path_factory.mktemp("lazy")
    code = (
        "import sys, json, bench.cli.main as m\n"
        "imported = sorted(sys.modules)\n"
        f"try:\n    m.entry(['hydra.run.dir={folder / 'run'}', 'quiet=true'])\n"
        "finally:\n"
        "    print(json.dumps([imported, sorted(sys.modules)]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=folder)  # fmt: skip
    assert (folder / "run" / "figures" / "grayscale_overlay.png").is_file()
    imported, ran = json.loads(done.stderr.strip().splitlines()[-1])
    return {"import bench.cli.main": set(imported), "python -m bench": set(ran)}


@pytest.mark.parametrize("stage", ["import bench.cli.main", "python -m bench"])
@pytest.mark.parametrize("module", NOT_IN_A_RUN)
def test_a_default_run_imports_lazily(modules_of_a_default_run, stage, module) -> None:
    assert module not in modules_of_a_default_run[stage]
