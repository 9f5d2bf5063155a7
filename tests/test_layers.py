"""The layers import downwards only: no package below ``bench/cli`` imports Hydra or the CLI.

``algorithms`` knows nothing of ``bench``; ``bench/data`` nothing of the
runs, the scale machinery, the reports or Hydra; only ``bench/cli`` composes
configs. Checked on the source (every import statement), and by importing
``bench.data`` in a fresh interpreter.
"""

from __future__ import annotations

import ast
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
