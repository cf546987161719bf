"""Input-check kernels: one pass over target weights, so checking a batch of variants costs
less than simulating it (numpy's isfinite / < 0 / row-sum passes cost a third of Task A)."""
from __future__ import annotations

import numpy as np
from numba import njit

#: kinds returned by :func:`weight_findings_nb`
NON_FINITE, NEGATIVE, OVER_ONE = 0, 1, 2


@njit(cache=True, nogil=True)
def weight_findings_nb(vals: np.ndarray, check_sign_and_sum: bool, sum_limit: float,
                       first_row: np.ndarray, first_col: np.ndarray) -> int:
    """Scan target weights ``vals`` (N rows × C columns, fractions) once, in row order.

    Writes the first offending (row, col) per kind into ``first_row``/``first_col`` (length 3,
    indexed by NON_FINITE, NEGATIVE, OVER_ONE; −1 = none; OVER_ONE's col is −1) and returns the
    number of non-finite entries. Negative entries and row sums (added in column order) above
    ``sum_limit`` are looked for only when ``check_sign_and_sum``.
    """
    first_row[:] = -1
    first_col[:] = -1
    n_bad = 0
    for r in range(vals.shape[0]):
        total = 0.0
        for c in range(vals.shape[1]):
            x = vals[r, c]
            if not np.isfinite(x):
                n_bad += 1
                if first_row[NON_FINITE] < 0:
                    first_row[NON_FINITE] = r
                    first_col[NON_FINITE] = c
            elif check_sign_and_sum and x < 0.0 and first_row[NEGATIVE] < 0:
                first_row[NEGATIVE] = r
                first_col[NEGATIVE] = c
            total = total + x
        if check_sign_and_sum and total > sum_limit and first_row[OVER_ONE] < 0:
            first_row[OVER_ONE] = r
    return n_bad
