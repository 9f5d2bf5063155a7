"""Compiled loops of the global methods whose NumPy form costs most (numba).

Each loop performs the same floating-point operations in the same order as
the NumPy expression it replaces (and as ImageJ), so thresholds are
unchanged bit for bit; what goes is the overhead of many small NumPy calls
and of the temporary matrices. Logarithms stay NumPy's (taken by the
callers on whole matrices), so not even their last bit changes. NumPy's
error model: a division by zero gives inf or NaN, as in NumPy and Java.
Compiled on first use and cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["huang2_entropy", "smooth_until_bimodal"]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def smooth_until_bimodal(counts, max_smoothings):  # pragma: no cover - compiled
    """The first of ``h, smooth(h), …`` with exactly two peaks, and its index; (h, -1) if none.

    ``smooth``: ``(h[i-1] + h[i] + h[i+1]) / 3``, summed left to right, zero
    outside; a peak is a bin strictly above both neighbours, the end bins
    never count. At most ``max_smoothings`` smoothings.
    """
    n = counts.size
    state = np.zeros(n + 2)
    state[1:-1] = counts
    scratch = np.zeros(n + 2)
    for tested in range(max_smoothings + 1):
        peaks = 0
        for j in range(2, n):
            if state[j - 1] < state[j] and state[j + 1] < state[j]:
                peaks += 1
        if peaks == 2:
            return state[1:-1].copy(), tested
        if tested == max_smoothings:
            break
        for j in range(1, n + 1):
            scratch[j] = (state[j - 1] + state[j] + state[j + 1]) / 3.0
        state, scratch = scratch, state
    return state[1:-1].copy(), -1


@numba.njit(nogil=True, cache=True, error_model="numpy")
def huang2_entropy(nonzero, weight, round_low, round_high, table):  # pragma: no cover
    """Huang2's fuzziness at each non-empty bin ``t``, rows summed in bin order.

    ``round_low[j]`` / ``round_high[j]``: the rounded class means when the
    threshold is ``nonzero[j]``; ``table[d]``: the entropy of a membership
    at distance ``d`` (clipped to the table).
    """
    size = nonzero.size
    last = table.size - 1
    entropy = np.empty(size)
    for j in range(size):
        t = nonzero[j]
        total = 0.0
        for i in range(size):
            level = nonzero[i]
            mean = round_low[j] if level <= t else round_high[j]
            distance = min(abs(level - mean), last)
            total += table[distance] * weight[i]
        entropy[j] = total
    return entropy


@numba.njit(nogil=True, cache=True, error_model="numpy")
def huang_memberships(rows, cand, mu_0, mu_1, term):  # pragma: no cover - compiled
    """Huang's membership ``1 / (1 + C⁻¹·|i − mean|)`` of each row ``i`` for each split.

    ``mean`` is ``mu_0[c]`` for rows up to the split ``c``, else ``mu_1[c]``.
    Returns the memberships and their complements ``1 − mu`` (rows × splits),
    whose logarithms the caller takes with NumPy.
    """
    mu = np.empty((rows.size, cand.size))
    rest = np.empty((rows.size, cand.size))
    for i in range(rows.size):
        for j in range(cand.size):
            c = cand[j]
            mean = mu_0[c] if rows[i] <= c else mu_1[c]
            mu[i, j] = 1.0 / (1.0 + term * abs(rows[i] - mean))
            rest[i, j] = 1.0 - mu[i, j]
    return mu, rest


@numba.njit(nogil=True, cache=True, error_model="numpy")
def huang_entropy(weight, mu, log_mu, rest, log_rest, out):  # pragma: no cover - compiled
    """``out[j] = Σ_i weight[i]·(−mu·ln mu − (1 − mu)·ln(1 − mu))``, rows in order.

    Memberships above 0.999999 add nothing (ImageJ skips them).
    """
    for j in range(mu.shape[1]):
        total = 0.0
        for i in range(mu.shape[0]):
            if not mu[i, j] > 0.999999:
                total += weight[i] * (-mu[i, j] * log_mu[i, j] - rest[i, j] * log_rest[i, j])
        out[j] = total


@numba.njit(nogil=True, cache=True, error_model="numpy")
def shanbhag_arguments(rows, cand, p_prev, p_own, p1, p2):  # pragma: no cover - compiled
    """``1 − level / (2·P(t))`` of each row for each split ``t`` (rows × splits).

    Background rows (``i ≤ t``) use ``P1[i−1]`` and ``P1[t]``, object rows
    ``P2[i]`` and ``P2[t]``; the caller takes the logarithms with NumPy.
    """
    out = np.empty((rows.size, cand.size))
    for i in range(rows.size):
        for j in range(cand.size):
            t = cand[j]
            if rows[i] <= t:
                out[i, j] = 1.0 - (0.5 / p1[t]) * p_prev[i]
            else:
                out[i, j] = 1.0 - (0.5 / p2[t]) * p_own[i]
    return out


@numba.njit(nogil=True, cache=True, error_model="numpy")
def shanbhag_scores(rows, cand, weight, logs, p1, p2, out):  # pragma: no cover - compiled
    """``|I_b − I_o|`` per split: each class's ``Σ weight·log`` in row order, scaled."""
    for j in range(cand.size):
        t = cand[j]
        back = 0.0
        obj = 0.0
        for i in range(rows.size):
            if rows[i] <= t:
                back += weight[i] * logs[i, j]
            else:
                obj += weight[i] * logs[i, j]
        out[j] = abs(-back * (0.5 / p1[t]) - -obj * (0.5 / p2[t]))
