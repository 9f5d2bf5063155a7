"""The README's commands run: every ``console`` and ``bash`` block, each command in a fresh folder.

Commands are run by bash with ``segbench`` and ``python`` bound to this
checkout (``python -m bench.cli.segbench``; the console script itself needs
``pip install -e .``, which CI does), ``../shared/data`` pointed at the shared
data (``$SEGBENCH_DATA``), and the README's example slide (``/data/*.zarr``)
made from the KESM tile. A command is expected to exit 0, or 2 where the
README shows it printing ``error:``.

A few commands are not run, each for the reason in :data:`SKIPPED` (set-up
that CI's ``.ci/run`` does itself, the reader's own files, a cluster, or
work that is measured elsewhere). Costly commands are marked slow (the
default run deselects them; ``.ci/run`` runs them). With
``SEGBENCH_README_TIMES=FILE`` the wall time of each command is appended to
FILE.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

SKIPPED: list[tuple[str, str]] = [
    (r"pip install|python3 -m venv", "builds a fresh virtual environment: .ci/run does just that"),
    (r"-m pytest", "the test suite itself"),
    (
        r"tests/benchmarks/",
        "a gate or a benchmark: .ci/run runs the gates; benchmarks are timed on purpose",
    ),
    (r"tcp://HOST|hydra/launcher=slurm", "needs a Dask cluster or SLURM"),
    (r" \.\.\. ", "an elided variant of the command above it"),
    (
        r"/tmp/mydata|run_a run_b|my_table\.parquet|results/multirun/2026-|dataset=lab|page\.png",
        "the reader's own files",
    ),
    (
        r"/tmp/pr_ex|<our sweep>|dataset\.name=synthetic100|dataset\.name=mydata",
        "the reader's own prediction folders or dataset (their runs are tested in tests/cli/)",
    ),
    (r"algo\.path=runs/", "reads the run folder that the command above it writes"),
    (r"^segbench publish\s*(#|$)", "rewrites the committed results/leaderboard.*; timed by hand"),
    (r"algo=unet", "trains the UNet for minutes: measured by tests/benchmarks/learned_isbi.py"),
    (
        r"dataset=kesm,isbi2012,dibco2009,dibco2010,dsb2018",
        "525 jobs (~25 min on 2 cores): the runs segbench publish makes, which the quality "
        "gate checks",
    ),
]
SLOW = re.compile(r" -m |pixel_classifier|dataset=volume|runner=tiled|try-all|isbi2012|repeat=")


def _commands() -> list[tuple[str, int]]:
    """(command, expected exit status) of every console and bash block, in README order."""
    text = README.read_text(encoding="utf-8")
    found: list[tuple[str, int]] = []
    for kind, body in re.findall(r"```(console|bash)\n(.*?)```", text, flags=re.DOTALL):
        lines = body.splitlines()
        if kind == "console":
            for i, line in enumerate(lines):
                if line.startswith("$ "):
                    output = lines[i + 1] if i + 1 < len(lines) else ""
                    found.append((line[2:], 2 if output.startswith("error:") else 0))
            continue
        joined = re.sub(r"\\\n\s*", " ", body)
        if "<<" in joined:  # a heredoc: the block is one script
            found.append((joined.strip(), 0))
            continue
        for line in joined.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                found.append((line.strip(), 0))
    return found


def _params() -> list[object]:
    params = []
    for i, (command, status) in enumerate(_commands()):
        marks = []
        reason = next((why for pattern, why in SKIPPED if re.search(pattern, command)), None)
        if reason:
            marks.append(pytest.mark.skip(reason=reason))
        elif SLOW.search(command):
            marks.append(pytest.mark.slow)
        params.append(pytest.param(command, status, id=f"{i:02d}-{command[:50]}", marks=marks))
    return params


@pytest.fixture(scope="module")
def slide(tmp_path_factory: pytest.TempPathFactory, kesm) -> dict[str, Path]:
    """The README's whole-slide inputs, small: the KESM tile 2x2 as Zarr, truth uint8 {0, 255}."""
    zarr = pytest.importorskip("zarr")
    folder = tmp_path_factory.mktemp("slide")
    paths = {"/data/kesm.zarr": folder / "kesm.zarr", "/data/truth.zarr": folder / "truth.zarr"}
    for path, array in (
        (paths["/data/kesm.zarr"], np.tile(kesm.image, (2, 2))),
        (paths["/data/truth.zarr"], np.tile(kesm.truth, (2, 2)).astype(np.uint8) * 255),
    ):
        store = zarr.open(str(path), mode="w", shape=array.shape, dtype=array.dtype,
                          chunks=(256, 256))  # fmt: skip
        store[:] = array
    return paths


@pytest.mark.parametrize(("command", "status"), _params())
def test_readme_command_runs(command: str, status: int, tmp_path: Path, slide) -> None:
    needs_data = "../shared/data" in command or re.search(r"dataset=(?!volume)", command)
    if needs_data and not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data is not at {SHARED_DATA}")
    script = command.replace("../shared/data", str(SHARED_DATA))
    script = script.replace("conf/dataset/", f"{REPO}/conf/dataset/")
    for placeholder, path in slide.items():
        script = script.replace(placeholder, str(path))
    python = sys.executable
    prelude = (
        f'segbench() {{ "{python}" -m bench.cli.segbench "$@"; }}\n'
        f'python() {{ "{python}" "$@"; }}\n'
        "export -f segbench python\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SEGBENCH_DATA": str(SHARED_DATA),
        "HOME": str(tmp_path),
    }
    start = time.perf_counter()
    done = subprocess.run(
        ["bash", "-c", prelude + script], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - start
    times = os.environ.get("SEGBENCH_README_TIMES")
    if times:
        with open(times, "a", encoding="utf-8") as file:
            file.write(f"{seconds:8.1f} s  {command}\n")
    assert done.returncode == status, done.stdout[-2000:] + done.stderr[-4000:]
    if "dataset=volume" in command:  # the README's whole-slide command, overlays on
        (figures,) = tmp_path.glob("results/runs/*/*/figures")
        assert sorted(p.name for p in figures.iterdir()) == [
            "kesm_histogram.png", "kesm_overlay.png",
        ]  # fmt: skip


def test_every_skip_names_commands_that_exist() -> None:
    commands = [c for c, _ in _commands()]
    for pattern, why in SKIPPED:
        assert any(re.search(pattern, c) for c in commands), (pattern, why)


def test_the_readme_has_the_commands_of_each_subcommand() -> None:
    commands = " ".join(c for c, _ in _commands())
    for sub in ("run", "report", "try-all", "publish", "list", "completion"):
        assert f"segbench {sub}" in commands, sub
    assert shutil.which("bash")
