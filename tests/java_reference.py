"""Slow, literal reference versions of the methods whose ImageJ code overflows.

ImageJ 1.53t's IsoData keeps the sums of its lower class in 32-bit ``int``
and its MinError multiplies ``i * h[i]`` and ``i * i * h[i]`` in ``int``; on large counts the
values wrap around and ImageJ's threshold is wrong. ``algorithms`` computes
exactly instead. To show that this — and nothing else — is why the two
disagree on some fixtures, these functions follow the published procedure
step by step (one loop per sum, Java's casts and rounding) with a switch:
``java_int=True`` wraps every integer operation to 32 bits as Java does and
must reproduce ImageJ's number; ``java_int=False`` keeps Python's exact
integers and must reproduce ``algorithms``. Each returns ``(raw, wrapped)``:
ImageJ's raw return value (-1 for "no threshold") and whether any integer
operation actually overflowed.
"""

from __future__ import annotations

import math

import numpy as np

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class _Ints:
    """Integer arithmetic that wraps to 32 bits (Java ``int``) or stays exact."""

    def __init__(self, java_int: bool) -> None:
        self.java_int = java_int
        self.wrapped = False

    def __call__(self, value: int) -> int:
        if not INT_MIN <= value <= INT_MAX:
            self.wrapped = True
            if self.java_int:
                return (value - INT_MIN) % 2**32 + INT_MIN
        return value

    def div(self, a: int, b: int) -> int:
        """Java's int division: truncation toward zero."""
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q


def isodata(counts: np.ndarray, *, java_int: bool) -> tuple[int, bool]:
    """NIH Image's intermeans: g = round((mean below g + mean above g) / 2).

    Only the lower class's count and sum are Java ``int`` (which is what the
    fixtures show: wrapping the upper sums as well no longer reproduces
    ImageJ); both means are truncated to integers.
    """
    data = [int(c) for c in counts]
    n = len(data)
    ints = _Ints(java_int)
    g = 0
    for i in range(1, n):
        if data[i] > 0:
            g = i + 1
            break
    while g <= n - 2:
        low = low_total = high = high_total = 0
        for i in range(g):
            low_total = ints(low_total + data[i])
            low = ints(low + ints(data[i] * i))
        for i in range(g + 1, n):
            high_total += data[i]
            high += data[i] * i
        if low_total > 0 and high_total > 0:
            low = ints.div(low, low_total)
            high = ints.div(high, high_total)
            if g == math.floor(ints(low + high) / 2.0 + 0.5):
                return g, ints.wrapped
        g += 1
    return -1, ints.wrapped


def minerror(counts: np.ndarray, *, java_int: bool) -> tuple[int, bool]:
    """Kittler–Illingworth, iterated from the mean as in ImageJ's ``MinErrorI``."""
    data = [int(c) for c in counts]
    n = len(data)
    ints = _Ints(java_int)

    def partial(j: int, power: int) -> np.float64:  # A (power 0), B (1), C (2)
        terms = [
            data[i] if power == 0 else ints(i * data[i]) if power == 1 else ints(i * i * data[i])
            for i in range(min(j, n - 1) + 1)
        ]
        if not java_int:  # one rounding of the exact sum, as algorithms does
            return np.float64(sum(terms))
        x = np.float64(0.0)
        for term in terms:  # Java adds each int product to a double
            x += np.float64(term)
        return x

    total = sum(data)
    moment = sum(i * d for i, d in enumerate(data))
    threshold = 0 if total == 0 else math.floor(moment / total)
    previous = -2
    with np.errstate(all="ignore"):
        a_all, b_all, c_all = partial(n - 1, 0), partial(n - 1, 1), partial(n - 1, 2)
        for _ in range(10000):
            if threshold == previous:
                break
            a, b, c = partial(threshold, 0), partial(threshold, 1), partial(threshold, 2)
            mu = b / a
            nu = (b_all - b) / (a_all - a)
            p = a / a_all
            q = (a_all - a) / a_all
            sigma2 = c / a - mu * mu
            tau2 = (c_all - c) / (a_all - a) - nu * nu
            w0 = 1.0 / sigma2 - 1.0 / tau2
            w1 = mu / sigma2 - nu / tau2
            w2 = (
                (mu * mu) / sigma2
                - (nu * nu) / tau2
                + np.log10((sigma2 * (q * q)) / (tau2 * (p * p)))
            )
            sqterm = w1 * w1 - w0 * w2
            if sqterm < 0:
                break
            previous = threshold
            temp = (w1 + np.sqrt(sqterm)) / w0
            threshold = (
                previous if np.isnan(temp) else int(max(min(np.floor(temp), INT_MAX), INT_MIN))
            )
    return threshold, ints.wrapped


def huang2(counts: np.ndarray) -> int:
    """Fiji's Huang2 read literally: one loop per threshold, one per bin.

    ImageJ 1.53t has no Huang2 to compare with; this follows the definition
    in Fiji's Auto_Threshold (class means rounded half up, an entropy table
    indexed by ``|level - mean|``, thresholds from the first to the last
    non-empty bin, the first smallest entropy wins, 0 if ``first == last``).
    """
    data = [int(c) for c in counts]
    first = next((i for i, c in enumerate(data) if c), len(data))
    last = max((i for i, c in enumerate(data) if c), default=first)
    if first >= last:
        return 0
    span = float(last - first)
    table = [0.0]
    for d in range(1, last - first + 1):
        mu = 1.0 / (1.0 + d / span)
        table.append(-mu * math.log(mu) - (1.0 - mu) * math.log(1.0 - mu))
    best, best_entropy = 0, math.inf
    for t in range(first, last + 1):
        low = [(i, data[i]) for i in range(first, t + 1)]
        high = [(i, data[i]) for i in range(t + 1, last + 1)]
        entropy = 0.0
        for part in (low, high):
            n = sum(c for _, c in part)
            if n == 0:
                continue
            mean = math.floor(sum(i * c for i, c in part) / n + 0.5)
            for i, c in part:
                entropy += table[abs(i - mean)] * c
        if entropy < best_entropy:
            best, best_entropy = t, entropy
    return best
