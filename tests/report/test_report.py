"""The report: every format written, regret exact, images optional, second observer, CLI."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import bench
from bench.cli.config import dataset_config
from bench.cli.overrides import CONF_DIR
from bench.cli.publish import publish
from bench.metrics import confusion_counts, mcc
from bench.report.build import build_report, main, write_report
from bench.report.replay import ResultSet, load_results
from conftest import run_bench

KESM = dataset_config("kesm")


@pytest.fixture(scope="module")
def kesm_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep-like folder of real runs on the KESM sample: Otsu, Li and adaptive (offset -20)."""
    folder = tmp_path_factory.mktemp("sweep")
    for i, args in enumerate((["algo=otsu"], ["algo=li"], ["algo=adaptive", "algo.offset=-20"])):
        run_bench(folder / f"{i}_{args[0][5:]}", *args)
    return folder


@pytest.fixture(scope="module")
def kesm_report(kesm_sweep: Path):
    return build_report(load_results([kesm_sweep]), resamples=200)


def test_every_format_is_written_and_labelled(kesm_report, tmp_path: Path) -> None:
    written = write_report(kesm_report, tmp_path)
    assert [p.name for p in written] == [
        "leaderboard.csv",
        "leaderboard_tests.csv",
        "leaderboard.md",
        "leaderboard.html",
    ]
    table = pd.read_csv(tmp_path / "leaderboard.csv")
    assert table["config"].tolist()[0] == "adaptive(offset=-20.0) | median(size=3)"
    for column in (
        "macro",
        "ci_low",
        "ci_high",
        "micro",
        "regret",
        "wins",
        "median_runtime_s",
        "throughput_mpx_s",
        "p_first",
    ):
        assert column in table, column
    markdown = (tmp_path / "leaderboard.md").read_text()
    assert "mcc macro [95% CI]" in markdown
    assert "mcc micro" in markdown
    assert "| 1 | adaptive" in markdown


def test_regret_is_exact_for_global_methods_and_absent_for_local(kesm_report) -> None:
    board = kesm_report.boards[0].leaderboard.set_index("method")
    # Otsu's 79 gives MCC 0.8533910; threshold 68 would give 0.8804699 (test_threshold_curve).
    assert board.at["otsu", "regret"] == pytest.approx(0.8804699 - 0.8533910, abs=1e-7)
    assert board.at["li", "regret"] > 0.5  # Li's 44 floods the background
    assert np.isnan(board.loc[board.index.str.startswith("adaptive"), "regret"]).all()


def test_html_is_self_contained_with_every_figure(kesm_report, tmp_path: Path) -> None:
    write_report(kesm_report, tmp_path)
    page = (tmp_path / "leaderboard.html").read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources
    assert all(s.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")) for s in sources)
    assert not re.search(r"<script src|<link|https?://", page)  # its one script is inline
    titles = [f.title for f in kesm_report.boards[0].figures]
    assert titles[:3] == [
        "Score by method and preprocessing",
        "Runtime against score",
        "Per-image score distributions",
    ]
    assert any(t.startswith("Score against threshold") for t in titles)
    assert any(t.startswith("Histograms with every method") for t in titles)
    gallery = kesm_report.boards[0].gallery
    assert {o.config.split(" | ")[0].split("(")[0] for o in gallery} == {"otsu", "li", "adaptive"}
    explorers = kesm_report.boards[0].explorers
    assert len(explorers) == 1  # the one image; its picture and its truth are two sources
    assert len(sources) == len(titles) + len(gallery) + 2 * len(explorers)


def test_gallery_links_each_run_s_overlay_at_native_resolution(kesm_report, tmp_path) -> None:
    """The embedded thumbnail is the preview; the run's own full-size PNG is one click away."""
    assert all(o.full is None for o in kesm_report.boards[0].gallery)  # runs without figures
    for name in ("otsu", "li"):
        run_bench(tmp_path / "runs" / name, f"algo={name}", "output.overlays=true")
    report = build_report(load_results([tmp_path / "runs"]), resamples=20)
    gallery = report.boards[0].gallery
    assert {o.full.parent.parent.name for o in gallery} == {"otsu", "li"}
    (page,) = [p for p in write_report(report, tmp_path / "out") if p.suffix == ".html"]
    links = re.findall(r'<a href="([^"]+)">native resolution</a>', page.read_text())
    assert len(links) == len(gallery)
    for link in links:
        assert link.startswith("../runs/")
        with Image.open(page.parent / link) as full:
            assert full.size == (512, 512)


def test_unreachable_images_leave_a_note_not_a_crash(tmp_path: Path) -> None:
    bench.evaluate(bench.builtin_sample(), ["otsu", "li"]).to_parquet(tmp_path / "t.parquet")
    moved = {**KESM, "root": str(tmp_path / "moved")}
    report = build_report(load_results([tmp_path / "t.parquet"], [moved]), resamples=50)
    board = report.boards[0]
    assert any("Images not reachable" in note for note in board.notes)
    assert board.leaderboard["regret"].isna().all()
    assert not board.gallery
    no_config = build_report(load_results([tmp_path / "t.parquet"]), resamples=50)
    assert any("no dataset config" in note for note in no_config.boards[0].notes)
    write_report(no_config, tmp_path / "out")
    assert "no dataset config" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_rows_the_images_do_not_reproduce_are_flagged(tmp_path: Path) -> None:
    table = bench.evaluate(bench.builtin_sample(), ["otsu", "li"])
    table.loc[table["algo"] == "li", "tp"] += 1  # as if the data had changed since the run
    table.to_parquet(tmp_path / "t.parquet")
    board = build_report(load_results([tmp_path / "t.parquet"], [KESM]), resamples=50).boards[0]
    assert any("not reproduced" in note and "li" in note for note in board.notes)
    regret = board.leaderboard.set_index("method")["regret"]
    assert np.isnan(regret["li"])
    assert regret["otsu"] > 0


def _synthetic_dataset(root: Path, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Three noisy square images, their truth, and a second annotator who draws 1 px larger."""
    for name in ("images", "masks", "observer2"):
        (root / name).mkdir(parents=True)
    pairs = []
    for key in range(3):
        truth = np.zeros((40, 40), bool)
        truth[10 + key : 25, 8 : 30 - key] = True
        second = np.zeros_like(truth)
        second[9 + key : 26, 8 : 31 - key] = True
        image = np.where(truth, 160, 70) + rng.integers(-40, 41, truth.shape)
        Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(root / "images" / f"{key}.png")
        Image.fromarray((truth * 255).astype(np.uint8)).save(root / "masks" / f"{key}.png")
        Image.fromarray((second * 255).astype(np.uint8)).save(root / "observer2" / f"{key}.png")
        pairs.append((truth, second))
    return pairs


def test_second_observer_is_a_reference_row(tmp_path: Path, rng: np.random.Generator) -> None:
    # None of the shared datasets has a second annotation: this one is synthetic.
    pairs = _synthetic_dataset(tmp_path / "data", rng)
    config = {"name": "synthetic", "root": str(tmp_path / "data"), "second_observer": "observer2"}
    table = bench.evaluate(bench.data.from_config(config), ["otsu", "li"], [None])
    table.to_parquet(tmp_path / "t.parquet")
    report = build_report(load_results([tmp_path / "t.parquet"], [config]), resamples=50)
    board = report.boards[0].leaderboard
    human = board[board["reference"]]
    assert human["config"].tolist() == ["second observer (human)"]
    expected = np.mean([mcc(confusion_counts(t, s)) for t, s in pairs])
    assert human["macro"].iloc[0] == pytest.approx(expected)
    assert np.isnan(human["rank"].iloc[0])
    assert board["rank"].dropna().tolist() == [1.0, 2.0]
    write_report(report, tmp_path / "out")
    assert "| ref. | second observer (human) |" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_command_line(kesm_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(kesm_sweep), "--out", str(tmp_path), "--resamples", "50", "--no-images"]) == 0
    assert "kesm: 3 configs, 1 images" in capsys.readouterr().out
    assert "Images not drawn (--no-images)" in (tmp_path / "leaderboard.md").read_text()
    assert main([str(tmp_path / "nothing")]) == 2
    assert "No run folder or results table" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(kesm_sweep), "--metric", "dice"])


def test_publish_writes_the_leaderboard_of_the_named_datasets(tmp_path: Path) -> None:
    written = publish(tmp_path, ["kesm"], "otsu", resamples=50)
    assert (tmp_path / "published" / "kesm" / "config.yaml").is_file()
    markdown = (tmp_path / "leaderboard.md").read_text()
    assert "## kesm" in markdown
    assert "| 1 | otsu | none |" in markdown
    assert tmp_path / "leaderboard.html" in written


@pytest.mark.slow
def test_a_sweep_ends_with_a_report_unless_disabled(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(CONF_DIR.parent)}
    common = [
        "-m",
        "algo=otsu,li",
        "output.overlays=false",
        "output.histograms=false",
        "report.resamples=50",
    ]
    for name, extra in (("on", []), ("off", ["report.enabled=false"])):
        done = subprocess.run(
            [sys.executable, "-m", "bench", *common, f"hydra.sweep.dir={tmp_path / name}", *extra],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "on" / "report" / "leaderboard.html").is_file()
    assert "| 1 | otsu |" in (tmp_path / "on" / "report" / "leaderboard.md").read_text()
    assert not (tmp_path / "off" / "report").exists()


def _palette_gif(path: Path, mask: np.ndarray, colours=(3, 253)) -> None:
    """A 2-colour palette GIF, as some second observers are published (grey 3 and 253)."""
    gif = Image.fromarray(mask.astype(np.uint8), mode="P")
    gif.putpalette([c for colour in colours for c in (colour,) * 3])
    gif.save(path)


def test_second_observer_as_a_palette_gif_under_two_valued(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    pairs = _synthetic_dataset(tmp_path / "data", rng)
    (tmp_path / "data" / "observer_gif").mkdir()
    for key, (_, second) in enumerate(pairs):
        _palette_gif(tmp_path / "data" / "observer_gif" / f"{key}.gif", second)
    config = {
        "name": "synthetic", "root": str(tmp_path / "data"), "truth_value": "two_valued",
        "second_observer": "observer_gif", "second_observer_pattern": "{id}.gif",
    }  # fmt: skip
    table = bench.evaluate(bench.data.from_config(config), ["otsu"], [None])
    table.to_parquet(tmp_path / "t.parquet")
    board = build_report(load_results([tmp_path / "t.parquet"], [config]), resamples=50).boards[0]
    human = board.leaderboard[board.leaderboard["reference"]]
    expected = np.mean([mcc(confusion_counts(t, s)) for t, s in pairs])
    assert human["macro"].iloc[0] == pytest.approx(expected)
    assert not any("SECOND OBSERVER" in note for note in board.notes)
    # Under 'nonzero' both palette colours would be foreground: an error naming the fix,
    # reported loudly, and the methods' curves and regret are still there.
    board = build_report(
        load_results([tmp_path / "t.parquet"], [{**config, "truth_value": "nonzero"}]),
        resamples=50,
    ).boards[0]
    assert not board.leaderboard["reference"].any()
    (note,) = [n for n in board.notes if "SECOND OBSERVER INCOMPLETE" in n]
    assert "3 of its files" in note
    assert "holds no 0 but the values 3, 253" in note
    assert "two_valued" in note
    assert board.leaderboard["regret"].notna().all()


def test_an_unreadable_second_observer_file_is_reported_not_silent(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    _synthetic_dataset(tmp_path / "data", rng)
    (tmp_path / "data" / "observer2" / "1.png").write_bytes(b"not a png")
    config = {"name": "synthetic", "root": str(tmp_path / "data"), "second_observer": "observer2"}
    table = bench.evaluate(bench.data.from_config(config), ["otsu", "li"], [None])
    table.to_parquet(tmp_path / "t.parquet")
    report = build_report(load_results([tmp_path / "t.parquet"], [config]), resamples=50)
    board = report.boards[0]
    (note,) = [n for n in board.notes if "SECOND OBSERVER INCOMPLETE" in n]
    assert "1 of its files" in note
    assert "1: Cannot read" in note
    human = board.leaderboard[board.leaderboard["reference"]]
    assert len(human) == 1  # the two readable annotations still give the reference row
    methods = board.leaderboard[~board.leaderboard["reference"]]
    assert methods["regret"].notna().all()  # curves and regret are not switched off
    write_report(report, tmp_path / "out")
    assert "SECOND OBSERVER INCOMPLETE" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_overlays_show_dark_object_images_in_their_own_polarity(tmp_path: Path) -> None:
    # DIBCO's ink is dark on a bright page: the methods see the original intensities
    # (objects image <= t) and so does the reader: the TN pixels show the page, bright.
    config = {**dataset_config("dibco2009"), "limit": 1}
    try:
        data = bench.data.from_config(config)
        sample = next(iter(data))
    except FileNotFoundError as error:
        pytest.skip(f"the shared data is not here: {error}")
    bench.evaluate(data, ["otsu"], [None]).to_parquet(tmp_path / "t.parquet")
    report = build_report(load_results([tmp_path / "t.parquet"], [config]), resamples=50)
    (overlay,) = [o for o in report.boards[0].gallery if o.which == "best"]
    with Image.open(io.BytesIO(overlay.jpeg)) as picture:
        grey = np.asarray(picture.convert("L"), dtype=float)
    assert max(grey.shape) == min(max(sample.image.shape[:2]), 1024)  # native, up to 1024 px
    assert np.median(grey) > 128
    explorer = report.boards[0].explorers[0]
    assert explorer.dark  # the page's script keeps value <= t as the objects


HOSTILE = "<script>alert(1)</script>"


def test_names_from_data_are_text_in_markdown_and_html(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for i, name in enumerate((HOSTILE, "a|b *c*", "[x](javascript:alert(1))\n# h")):
        truth = np.zeros((24, 24), bool)
        truth[4 + i : 16, 5:18] = True
        image = (np.where(truth, 170, 60) + rng.integers(-20, 21, truth.shape)).astype(np.uint8)
        samples.append(bench.Sample(name, image, truth))
    table = bench.evaluate(samples, ["otsu", "mean"], [None], dataset=HOSTILE)
    report = build_report(ResultSet(table), resamples=20, images=False)
    report.notes.append(f"note quoting {HOSTILE}")
    write_report(report, tmp_path)
    markdown = (tmp_path / "leaderboard.md").read_text()
    page = (tmp_path / "leaderboard.html").read_text()
    assert not re.search(r"(?<!\\)<", markdown)  # every < escaped: no raw HTML
    assert "<script>alert" not in page
    assert page.count("<script") == 1  # the report's own inline script, and no other
    assert "## \\<script\\>alert(1)\\</script\\>" in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Every table line still has its columns: no name adds a cell or a line.
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in lines} <= {13, 7}
    assert "](javascript" not in markdown
    assert "\n# h" not in markdown
