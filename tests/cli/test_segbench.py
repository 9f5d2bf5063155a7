"""The ``segbench`` command: one help style, --version, listings, completion, typos exit 2."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import algorithms
from bench.cli import segbench
from bench.cli.completion import bash_script, run_words
from bench.cli.config import check_override_keys
from bench.cli.listing import KINDS, entries
from bench.cli.main import entry
from bench.cli.overrides import CONF_DIR, check_group_choices, group_options
from bench.metrics import METRICS

REPO = CONF_DIR.parent


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as stop:
        segbench.main([*args, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", [n for n in segbench.SUBCOMMANDS if n != "run"])
def test_each_subcommand_help_has_description_defaults_and_three_examples(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text = _help(capsys, name)
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith(f"usage: segbench {name}")
    assert len(description.split()) >= 10  # a description, not a bare usage line
    examples = text.split("examples:\n")[1]
    commands = [ln.strip() for ln in examples.splitlines() if not ln.strip().startswith("#")]
    assert len([c for c in commands if c]) == 3, examples
    if name in ("report", "try-all", "publish"):
        assert "(default: " in text
        assert all(c.startswith(("segbench", "eval", "autoload")) for c in commands if c)


def test_run_help_lists_groups_settings_and_examples_without_schema_entries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        entry(["--help"], prog="segbench run")
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "schema" not in text  # no internal ConfigStore entries (dask_schema, …)
    assert "powered by Hydra" not in text
    for group in ("algo", "filter", "dataset", "runner"):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"  {group} "))
        assert group_options(group)[0] in line
    assert "repeat=1" in text
    assert "output.overlays=true" in text
    examples = text.split("examples:\n")[1].split("\n\n")[0].splitlines()
    assert len(examples) == 3
    assert all(e.strip().startswith("segbench run") for e in examples)


def test_top_level_help_and_unknown_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert segbench.main(["--help"]) == 0
    text = capsys.readouterr().out
    for name in segbench.SUBCOMMANDS:
        assert f"  {name} " in text
    assert segbench.main(["reprot"]) == 2
    assert "Did you mean 'report'?" in capsys.readouterr().err


def test_version_names_segbench_and_its_key_dependencies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert segbench.main(["--version"]) == 0
    text = capsys.readouterr().out
    pyproject = (REPO / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, flags=re.MULTILINE)[1]
    assert text.splitlines()[0] == f"segbench {version}"
    for dist in ("numpy", "scipy", "scikit-image", "hydra-core", "pandas"):
        assert re.search(rf"^  {dist} \d", text, flags=re.MULTILINE), dist


def test_console_script_is_declared() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    scripts = pyproject.split("[project.scripts]")[1].split("\n[")[0]
    target = re.search(r'^segbench = "([^"]+)"', scripts, flags=re.MULTILINE)[1]
    module, _, function = target.partition(":")
    assert module == "bench.cli.segbench"
    assert callable(getattr(segbench, function))


@pytest.mark.parametrize("kind", KINDS)
def test_list_has_one_line_per_item_with_a_description(
    capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    expected = {
        # registered methods, and config options naming no class (algo=predictions)
        "methods": sorted(set(algorithms.available()) | set(group_options("algo"))),
        "filters": algorithms.available_filters(),
        "datasets": group_options("dataset"),
        "metrics": list(METRICS),
    }[kind]
    assert segbench.main(["list", kind]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == sorted(expected) or [
        ln.split()[0] for ln in lines
    ] == list(expected)
    assert all(len(ln.split()) >= 2 for ln in lines)  # a description beside each name


def test_list_wildcards(capsys: pytest.CaptureFixture[str]) -> None:
    assert [n for n, _ in entries("methods", "local_*")] == algorithms.available("local_*")
    assert segbench.main(["list", "methods", "huang*"]) == 0
    assert [ln.split()[0] for ln in capsys.readouterr().out.splitlines()] == ["huang", "huang2"]
    assert segbench.main(["list", "methods", "zzz*"]) == 2


def test_completion_table_knows_each_group_option_and_the_chosen_methods_keys() -> None:
    words = run_words()
    assert words["algo="] == [f"algo={o}" for o in group_options("algo")]
    assert "algo.radius=" in words["algo.sauvola"]
    assert "algo.radius=" not in words["algo.otsu"]
    assert words["output.overlays="] == ["output.overlays=true", "output.overlays=false"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("segbench r", {"run", "report"}),
        ("segbench run algo=sau", {"sauvola"}),
        ("segbench run algo=sauvola algo.ra", {"algo.radius="}),
        ("segbench run output.overlays=", {"true", "false"}),
        ("segbench run -m algo=otsu,yе", set()),
        ("segbench run -m algo=otsu,ye", {"otsu,yen"}),
        ("segbench report --me", {"--metric"}),
    ],
)
def test_bash_completion(tmp_path: Path, line: str, expected: set[str]) -> None:
    script = tmp_path / "segbench.bash"
    script.write_text(bash_script())
    probe = (
        f'source {script}; COMP_LINE="$1"; COMP_POINT=${{#COMP_LINE}}; _segbench; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        ["bash", "-c", probe, "bash", line], capture_output=True, text=True, check=True
    )
    assert set(done.stdout.split()) == expected


@pytest.mark.parametrize(
    ("args", "key", "closest"),
    [
        (["algo=sauvola", "algo.radus=5"], "radus", "radius"),
        (["algo.ignore_blak=true"], "ignore_blak", "ignore_black"),
        (["filter.sise=3"], "sise", "size"),
        (["filter=gaussian", "filter.sigme=2"], "sigme", "sigma"),
        (["dataset.polarty=dark"], "polarty", "polarity"),
        (["runner=tiled", "runner.worker=2"], "worker", "workers"),
        (["output.overlay=false"], "overlay", "overlays"),
        (["report.metrik=f1"], "metrik", "metric"),
        (["repeet=3"], "repeet", "repeat"),
        (["-m", "algo=niblack,sauvola", "algo.radis=9"], "radis", "radius"),
    ],
)
def test_key_typo_in_each_group_exits_2_with_did_you_mean(
    capsys: pytest.CaptureFixture[str], args: list[str], key: str, closest: str
) -> None:
    message = check_override_keys(args)
    assert message is not None
    assert f"Unknown parameter {key!r} for " in message
    assert f"Did you mean {closest!r}?" in message
    assert "Valid: " in message
    assert check_group_choices(args) == message  # the one early check of the command line
    with pytest.raises(SystemExit) as stop:
        entry(args)
    assert stop.value.code == 2
    assert f"Did you mean {closest!r}?" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["algo=sauvola", "algo.radius=5", "filter.size=5", "dataset.polarity=dark"],
        ["+algo.extra=1"],  # an intended addition: Hydra adds it, validate() judges it
        ["~output.histograms"],
        ["hydra.run.dir=/tmp/x", "runner=tiled", "runner.workers=2"],
        ["-m", "hydra/launcher=joblib_local", "algo=otsu,li"],
        ["-m", "algo=glob(*)", "repeat=2"],
    ],
)
def test_valid_keys_pass_the_check(args: list[str]) -> None:
    assert check_override_keys(args) is None
