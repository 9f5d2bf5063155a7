"""The founding article's reference result, reproduced by the defaults."""

from __future__ import annotations

import pytest

import bench

ARTICLE = {"threshold": 79, "tp": 5595, "fp": 122, "fn": 1863, "tn": 254564}
ARTICLE_SCORES = {"accuracy": 0.9924278, "f1": 0.8493359, "mcc": 0.8533910}


def test_defaults_reproduce_the_article(kesm: bench.Sample) -> None:
    table = bench.evaluate(kesm)  # defaults: Otsu after a 3×3 median, dark polarity inverted
    row = table.iloc[0]
    assert {k: int(row[k]) for k in ARTICLE} == ARTICLE
    for name, value in ARTICLE_SCORES.items():
        assert row[name] == pytest.approx(value, abs=5e-8), name


def test_evaluate_on_arrays_gives_the_same_row(kesm: bench.Sample) -> None:
    # The sample's image is already inverted (the article's declared step): bright vessels.
    from_arrays = bench.evaluate(kesm.image, truth=kesm.truth, polarity="bright")
    from_sample = bench.evaluate(kesm)
    columns = ["threshold", "tp", "fp", "fn", "tn", "mcc"]
    assert from_arrays[columns].equals(from_sample[columns])
    assert list(from_arrays.columns) == list(from_sample.columns)
