"""Report figures: the Pareto front's definition, distinct labels, the numbers drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import bench
from bench.report.figures import distributions, heatmap, pareto_front, png_bytes
from bench.report.leaderboard import leaderboard


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    arrays(float, n, elements=st.sampled_from([0.1, 0.2, 0.5, 1.0])),
    arrays(float, n, elements=st.sampled_from([0.3, 0.6, 0.9])),
)))  # fmt: skip
def test_pareto_front_is_exactly_the_undominated_points(points) -> None:
    runtime, score = points
    front = pareto_front(runtime, score)
    for i in range(runtime.size):
        dominated = (
            (runtime <= runtime[i])
            & (score >= score[i])
            & ((runtime < runtime[i]) | (score > score[i]))
        ).any()
        assert front[i] == (not dominated)
    assert front.any()  # the fastest of the best is always on it


def _adaptive_table() -> pd.DataFrame:
    return bench.evaluate(
        bench.builtin_sample(),
        ["otsu", {"name": "adaptive", "block_size": 51}, {"name": "adaptive", "block_size": 31}],
        [None, {"name": "median", "size": 3}],
    )


def test_long_configs_keep_distinct_labels_and_the_heatmap_shows_the_means() -> None:
    table = _adaptive_table()
    board = leaderboard(table, "mcc", resamples=20)
    fig = distributions(table, board, "mcc")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(set(labels)) == table["config"].nunique() == 6
    plt.close(fig)
    fig = heatmap(board, "mcc")
    cells = sorted(round(float(t.get_text()), 3) for t in fig.axes[0].texts)
    assert cells == sorted(board["macro"].round(3).tolist())
    assert len({t.get_text() for t in fig.axes[0].get_yticklabels()}) == 3
    assert fig.axes[0].get_xlabel()
    assert fig.axes[0].get_ylabel()
    assert fig.axes[0].get_title()
    png = png_bytes(fig)
    assert png.startswith(b"\x89PNG")
    assert not plt.get_fignums()  # closed after encoding


def test_histogram_figure_of_a_16_bit_image_is_one_outline(tmp_path, monkeypatch) -> None:
    """65,536 levels draw as one filled outline whose steps are the counts, not 65,536 bars."""
    import numpy as np
    from PIL import Image

    from bench.report import plots

    drawn = []
    draw = plots.histogram_picture
    monkeypatch.setattr(plots, "histogram_picture", lambda *args: drawn.append(args) or draw(*args))
    image = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    image[0, 1:10] = 7  # level 7 holds 9 pixels, levels 1-6 and 8-9 none
    path = plots.save_histogram(tmp_path / "h.png", image, threshold=1000.0)
    ((counts, edges, threshold, _, marker, objects),) = drawn
    assert objects == "bright"
    assert counts.size == 65536
    assert (counts[7], counts[0], counts[1], counts[10]) == (9, 1, 0, 1)
    assert (edges[0], edges[-1], edges.size) == (-0.5, 65535.5, 65537)
    assert (threshold, marker) == (1000.0, 1000.5)
    # One value per pixel column: the tallest count under it, so level 7's 9 pixels show.
    left, _, right, _ = plots._PLOT
    columns = plots.histogram_columns(counts, edges, right - left)
    assert columns.size == right - left
    assert columns[0] == 9
    assert set(columns[1:]) == {1}
    assert Image.open(path).size == plots._SIZE


def test_markers_group_methods_by_family() -> None:
    from bench.report.figures import _method_styles, method_family

    methods = ["otsu", "isodata", "li", "yen", "sauvola", "niblack", "bernsen", "mean"]
    styles = _method_styles(methods)
    for a in methods:
        for b in methods:
            same_family = method_family(a) == method_family(b)
            assert (styles[a][1] == styles[b][1]) == same_family, (a, b)
            if same_family and a != b:
                assert styles[a][0] != styles[b][0]  # told apart by colour within a family
    assert method_family("adaptive(offset=-20.0)") == method_family("adaptive")
    assert method_family("no_such_method") == "other"


def test_pareto_labels_never_overlap_and_stay_inside_the_axes() -> None:
    import numpy as np

    from bench.report.figures import pareto

    n = 16
    runtime = np.geomspace(1e-3, 2e-3, n)  # a crowded front: close in time, rising in score
    board = pd.DataFrame(
        {
            "config": [f"method_{i} | median(size={2 * i + 1})" for i in range(n)],
            "macro": np.linspace(0.80, 0.81, n),
            "median_runtime_s": runtime,
            "reference": False,
        }
    )
    fig = pareto(board, "mcc")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert boxes  # some labels fit
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0
        assert a.x1 <= frame.x1
        assert frame.y0 <= a.y0
        assert a.y1 <= frame.y1
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    plt.close(fig)


def test_the_histogram_legend_names_the_objects_side() -> None:
    """Bright objects are ``> t``, dark ones ``<= t`` (Fiji's rule): the legends differ."""
    import numpy as np

    from bench.report import plots

    counts, edges = np.arange(256), np.arange(257) - 0.5
    bright = plots.histogram_picture(counts, edges, 100.0, "t", 100.5, "bright")
    dark = plots.histogram_picture(counts, edges, 100.0, "t", 100.5, "dark")
    assert not np.array_equal(bright, dark)
    assert np.array_equal(bright, plots.histogram_picture(counts, edges, 100.0, "t", 100.5))
