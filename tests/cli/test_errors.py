"""User errors lose their traceback; bugs keep it; OS errors become one line with the path."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

import algorithms
from bench.cli.errors import is_deliberate, os_error_line


def test_a_message_raised_on_purpose_is_a_user_error() -> None:
    with pytest.raises(ValueError, match="sigma") as info:
        algorithms.get_filter("gaussian", sigma=-1)(np.zeros((3, 3)))
    assert is_deliberate(info.value)


def test_an_error_escaping_from_numpy_inside_our_code_is_a_bug(monkeypatch) -> None:
    # As Niblack's "Cannot cast ufunc 'multiply' output" was: numpy raising in our call.
    class Broken:
        @staticmethod
        def gaussian_filter(array, *args, **kwargs):
            return np.matmul(np.ones(3), np.ones(4))  # numpy's own ValueError

    monkeypatch.setattr(algorithms.preprocess, "ndimage", Broken)
    with pytest.raises(ValueError, match="matmul") as info:
        algorithms.get_filter("gaussian", sigma=1.0)(np.zeros((3, 3)))
    assert not is_deliberate(info.value)


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOSPC, "free some space"),
        (errno.EACCES, "permissions"),
        (errno.EROFS, "permissions"),
        (errno.ENAMETOOLONG, "shorter"),
    ],
)
def test_environment_errors_are_one_line_with_the_path(code: int, hint: str) -> None:
    line = os_error_line(OSError(code, os.strerror(code), "/results/run/metrics.parquet"))
    assert line.startswith("cannot write /results/run/metrics.parquet: ")
    assert hint in line
    assert "\n" not in line


def test_other_os_errors_are_not_dressed_as_user_errors() -> None:
    assert os_error_line(OSError(errno.EBADF, os.strerror(errno.EBADF), "x")) is None
