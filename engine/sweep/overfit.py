"""Overfitting statistics for a parameter sweep: Deflated Sharpe Ratio and PBO by CSCV.

Picking the best of thousands of variants selects luck as well as skill. Two measures say how much:

* **Deflated Sharpe Ratio** (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio: Correcting
  for Selection Bias, Backtest Overfitting, and Non-Normality", JPM 40(5)). The best of N
  skill-less trials is expected to reach

      SR0 = sqrt(V[SR_n]) · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))      (γ: Euler–Mascheroni)

  and the DSR is the Probabilistic Sharpe Ratio of the selected variant against SR0:

      DSR = Φ( (SR* − SR0) · sqrt(T − 1) / sqrt(1 − γ3 SR* + (γ4 − 1)/4 · SR*²) )

  with SR*, γ3 (skewness) and γ4 (kurtosis, not excess) of its T per-period excess returns.
  Sharpe ratios here are per period (not annualised); skewness and kurtosis use pandas'
  bias-corrected estimators, as ffn 1.4.1's ``calc_deflated_sharpe_ratio`` does.

  N is the number of *independent* trials. Near variants of a rule are highly correlated, so
  the raw count overstates it; the same paper estimates it from the average correlation ρ̄
  between the trials' returns, **N̂ = ρ̄ + (1 − ρ̄) · N** (:func:`effective_trials`; 1 when the
  trials are all alike, N when they are uncorrelated). The sweep reports the DSR with N̂ and,
  beside it, with the raw count (the cautious bound).

* **Probability of Backtest Overfitting** by combinatorially symmetric cross-validation (Bailey,
  Borwein, López de Prado & Zhu 2015/2017, "The Probability of Backtest Overfitting", J. Comp.
  Finance 20(4)). The T × N matrix of per-period returns is cut into S equal contiguous blocks; for
  each of the C(S, S/2) ways to pick half the blocks as in-sample (IS), the IS-best variant's
  out-of-sample (OOS) relative rank ω = rank/(N + 1) (ascending, ties averaged) gives a logit
  λ = ln(ω / (1 − ω)); PBO is the share of λ ≤ 0 (the IS winner at or below the OOS median).
  Performance is the per-period Sharpe ratio (mean / sample standard deviation).

Walk-forward selection lives in :mod:`engine.sweep.walkforward`.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numba import njit, prange

EULER_GAMMA = 0.5772156649015329
#: the standard normal from the standard library, not scipy.stats (whose import alone costs a
#: sweep ~1.5 s): quantiles by ``inv_cdf`` (Wichura's AS241, ~1e-16), see :func:`normal_cdf`
STANDARD_NORMAL = NormalDist()
_SQRT_HALF = 0.7071067811865476


# ---------------------------------------------------------------------------- Deflated Sharpe
def effective_trials(returns: np.ndarray) -> float:
    """Effective number of independent trials N̂ = ρ̄ + (1 − ρ̄) · N (Bailey & López de Prado
    2014) of ``returns`` (N, T): each row one trial's per-period returns on the same periods.

    ρ̄ is the average pairwise (Pearson) correlation over the trials whose returns vary,
    computed without the N × N matrix: with z the rows standardised (ddof = 1),
    Σ_{i≠j} ρ_ij = ‖Σ_i z_i‖² / (T − 1) − n. ρ̄ is clipped to [0, 1], so 1 ≤ N̂ ≤ N. Trials
    with constant returns cannot be correlated; they count at the average (in N, not in ρ̄).

    One pass over the rows as they are (a sweep's float32 (V, M) matrix is read in place, in
    float64 arithmetic): memory O(T), not a V × T copy (:mod:`engine.sweep.moments`).
    """
    from engine.sweep.moments import N_ITEMS, standardized_sums_nb

    x = np.asarray(returns)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError("returns must be a 2-D array (trials × periods)")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.ascontiguousarray(x)
    n_all, t = x.shape
    if n_all == 1 or t < 2:
        return float(n_all)
    items = min(N_ITEMS, n_all)
    colsum = np.zeros((items, t))
    counts = np.zeros(items, dtype=np.int64)
    standardized_sums_nb(x, colsum, counts)
    n = int(counts.sum())
    if n < 2:
        return 1.0 if n == 0 else float(n_all)
    total = float(np.sum(colsum.sum(axis=0) ** 2)) / (t - 1)
    rho = (total - n) / (n * (n - 1))
    rho = min(max(rho, 0.0), 1.0)
    return float(rho + (1.0 - rho) * n_all)


def expected_max_sharpe(n_trials: float, sr_std: float) -> float:
    """Expected maximum Sharpe ratio of ``n_trials`` skill-less trials whose Sharpe ratios have
    standard deviation ``sr_std`` (same units in and out: per period in, per period out).
    ``n_trials`` may be an effective (fractional) number ≥ 1.

    One trial (or no dispersion) gives 0: nothing was selected.
    """
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    if n_trials == 1 or not sr_std > 0:
        return 0.0
    z1 = _normal_quantile(1.0 - 1.0 / n_trials)
    z2 = _normal_quantile(1.0 - 1.0 / (n_trials * math.e))
    return float(sr_std * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def _normal_quantile(p: float) -> float:
    """Φ⁻¹(p) for 0 < p ≤ 1 (+inf at 1, as scipy's ``norm.ppf``: N beyond ~1e16 trials)."""
    return math.inf if p >= 1.0 else STANDARD_NORMAL.inv_cdf(p)


def normal_cdf(x: float) -> float:
    """Φ(x) = erfc(−x/√2)/2, as scipy's ``norm.cdf`` (Cephes ``ndtr``) computes it: full relative
    precision in the lower tail too (``NormalDist.cdf`` goes through erf and reaches 0 at −8.3).
    Equal to scipy's to 1e-12 relative (a test checks it)."""
    return 0.5 * math.erfc(-x * _SQRT_HALF)


def probabilistic_sharpe_ratio(sharpe: float, benchmark: float, n_obs: int, skew: float,
                               kurtosis: float) -> float:
    """PSR: probability that the true per-period Sharpe ratio exceeds ``benchmark`` given an
    observed ``sharpe`` over ``n_obs`` returns with ``skew`` and ``kurtosis`` (not excess; 3 for a
    normal). NaN when the variance term is not positive or fewer than 2 observations."""
    adj = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe ** 2
    if n_obs < 2 or not adj > 0:
        return float("nan")
    return normal_cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(adj))


def sample_moments(x: np.ndarray) -> tuple[float, float, float, float]:
    """(mean, standard deviation ddof=1, skewness, kurtosis) of ``x`` with pandas'
    bias-corrected estimators (``Series.skew``, ``Series.kurt() + 3``)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    mean = float(x.mean())
    d = x - mean
    m2 = float(np.mean(d ** 2))
    std = math.sqrt(m2 * n / (n - 1)) if n > 1 else float("nan")
    if n < 4 or m2 <= 0:
        return mean, std, float("nan"), float("nan")
    m3 = float(np.mean(d ** 3))
    m4 = float(np.mean(d ** 4))
    g1 = m3 / m2 ** 1.5
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    g2 = m4 / m2 ** 2 - 3.0
    excess = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return mean, std, skew, excess + 3.0


@dataclass(frozen=True)
class DeflatedSharpe:
    """The Deflated Sharpe Ratio of a selected variant. Sharpe ratios are per period unless the
    name ends in ``_annual`` (× sqrt(periods_per_year))."""

    dsr: float              #: probability in [0, 1] that the true Sharpe exceeds SR0
    psr_zero: float         #: probability that the true Sharpe exceeds 0 (no deflation)
    sharpe: float           #: the selected variant's per-period Sharpe ratio
    sr0: float              #: expected maximum Sharpe of n_trials skill-less trials
    n_trials: int
    trials_sr_std: float    #: standard deviation of the trials' per-period Sharpe ratios
    skew: float
    kurtosis: float         #: not excess (3 for a normal)
    n_obs: int
    periods_per_year: int
    #: effective number of independent trials (see :func:`effective_trials`); SR0 and the DSR
    #: use it. Equal to n_trials when not estimated.
    n_effective: float = float("nan")
    dsr_all_trials: float = float("nan")  #: the DSR counting every trial as independent
    sr0_all_trials: float = float("nan")  #: SR0 of n_trials independent trials

    @property
    def sharpe_annual(self) -> float:
        return self.sharpe * math.sqrt(self.periods_per_year)

    @property
    def sr0_annual(self) -> float:
        return self.sr0 * math.sqrt(self.periods_per_year)

    def as_dict(self) -> dict[str, float]:
        return {"dsr": self.dsr, "psr_zero": self.psr_zero, "sharpe": self.sharpe,
                "sharpe_annual": self.sharpe_annual, "sr0": self.sr0,
                "sr0_annual": self.sr0_annual, "n_trials": self.n_trials,
                "trials_sr_std": self.trials_sr_std, "skew": self.skew,
                "kurtosis": self.kurtosis, "n_obs": self.n_obs,
                "periods_per_year": self.periods_per_year, "n_effective": self.n_effective,
                "dsr_all_trials": self.dsr_all_trials,
                "sr0_all_trials_annual": self.sr0_all_trials * math.sqrt(self.periods_per_year)}


def deflated_sharpe_ratio(excess_returns: np.ndarray, trial_sharpes: np.ndarray, *,
                          periods_per_year: int = 252,
                          annualized_trials: bool = True,
                          n_effective: float | None = None) -> DeflatedSharpe:
    """Deflated Sharpe Ratio of the variant whose per-period ``excess_returns`` (returns minus the
    risk-free returns, fractions) were selected as the best of ``trial_sharpes`` (the Sharpe
    ratios of ALL variants tried, annualised by ``sqrt(periods_per_year)`` when
    ``annualized_trials``). Non-finite trial Sharpe ratios are an error: every trial counts.

    ``n_effective``: the effective number of independent trials (1 ≤ N̂ ≤ the number of
    trials, e.g. :func:`effective_trials`) used for SR0 and the DSR; None = every trial is
    independent. ``dsr_all_trials`` / ``sr0_all_trials`` always count every trial."""
    x = np.asarray(excess_returns, dtype=np.float64)
    trials = np.asarray(trial_sharpes, dtype=np.float64)
    if x.ndim != 1 or x.size < 4:
        raise ValueError("excess_returns must be a 1-D array of at least 4 returns")
    if trials.size < 1 or not np.all(np.isfinite(trials)):
        raise ValueError("trial_sharpes must be finite Sharpe ratios of every trial")
    if annualized_trials:
        trials = trials / math.sqrt(periods_per_year)
    mean, std, skew, kurt = sample_moments(x)
    sr = mean / std if std > 0 else float("nan")
    sr_std = float(np.std(trials, ddof=1)) if trials.size > 1 else 0.0
    n_all = int(trials.size)
    n_eff = float(n_all) if n_effective is None else float(n_effective)
    if not 1.0 <= n_eff <= n_all:
        raise ValueError(f"n_effective must be between 1 and the {n_all} trials, got {n_eff}")
    sr0_all = expected_max_sharpe(n_all, sr_std)
    sr0 = expected_max_sharpe(n_eff, sr_std) if n_effective is not None else sr0_all
    dsr_all = probabilistic_sharpe_ratio(sr, sr0_all, x.size, skew, kurt)
    return DeflatedSharpe(
        dsr=probabilistic_sharpe_ratio(sr, sr0, x.size, skew, kurt) if n_effective is not None
        else dsr_all,
        psr_zero=probabilistic_sharpe_ratio(sr, 0.0, x.size, skew, kurt),
        sharpe=sr, sr0=sr0, n_trials=n_all, trials_sr_std=sr_std, skew=skew,
        kurtosis=kurt, n_obs=int(x.size), periods_per_year=periods_per_year,
        n_effective=n_eff, dsr_all_trials=dsr_all, sr0_all_trials=sr0_all)


# ---------------------------------------------------------------------------- PBO by CSCV
@dataclass(frozen=True)
class PBO:
    """Probability of Backtest Overfitting by CSCV.

    Arrays have one entry per combination, in ``itertools.combinations(range(S), S // 2)`` order
    of the in-sample blocks.
    """

    pbo: float                  #: share of logits ≤ 0
    logits: np.ndarray          #: λ = ln(ω / (1 − ω))
    oos_rank: np.ndarray        #: ω, the IS winner's relative OOS rank in (0, 1)
    is_best: np.ndarray         #: index (column) of the IS winner
    is_perf: np.ndarray         #: the IS winner's IS per-period Sharpe
    oos_perf: np.ndarray        #: the IS winner's OOS per-period Sharpe
    n_blocks: int
    n_trials: int
    n_obs: int                  #: rows used (the oldest T mod S rows are dropped)

    @property
    def n_combinations(self) -> int:
        return int(self.logits.size)

    @property
    def prob_oos_loss(self) -> float:
        """Share of combinations where the IS winner has a negative OOS Sharpe."""
        return float(np.mean(self.oos_perf < 0))

    @property
    def degradation_slope(self) -> float:
        """Slope of OOS on IS Sharpe across combinations (performance degradation)."""
        if np.ptp(self.is_perf) == 0:
            return float("nan")
        return float(np.polyfit(self.is_perf, self.oos_perf, 1)[0])


@njit(cache=True, nogil=True, parallel=True)
def _block_sums_nb(rows: np.ndarray, pick: np.ndarray, n_blocks: int, block_len: int,
                   offset: int, center: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> None:
    """For trial j (row ``pick[j]`` of ``rows``, periods along the row): its mean ``center[j]``
    over the periods used, and per block b Σ(x − c) and Σ(x − c)² over periods offset + b·L …
    offset + (b+1)·L. Reads float32 or float64 rows (a transposed view works too)."""
    used = n_blocks * block_len
    for j in prange(pick.size):
        r = pick[j]
        tot = 0.0
        for t in range(offset, offset + used):
            tot += np.float64(rows[r, t])
        c = tot / used
        center[j] = c
        for b in range(n_blocks):
            a = 0.0
            q = 0.0
            for t in range(offset + b * block_len, offset + (b + 1) * block_len):
                d = np.float64(rows[r, t]) - c
                a += d
                q += d * d
            s1[b, j] = a
            s2[b, j] = q


@njit(cache=True, nogil=True, parallel=True)
def _row_hash_nb(bits: np.ndarray, out: np.ndarray) -> None:
    """FNV-1a-style 64-bit hash of each row of ``bits`` (V, M) uint32."""
    for v in prange(bits.shape[0]):
        h = np.uint64(14695981039346656037)
        for t in range(bits.shape[1]):
            h = (h ^ np.uint64(bits[v, t])) * np.uint64(1099511628211)
        out[v] = h


@njit(cache=True, nogil=True, parallel=True)
def _same_rows_nb(bits: np.ndarray, rep: np.ndarray) -> bool:
    """True when every row of ``bits`` equals (bit for bit) row ``rep[v]``."""
    bad = 0
    for v in prange(bits.shape[0]):
        r = rep[v]
        for t in range(bits.shape[1]):
            if bits[v, t] != bits[r, t]:
                bad += 1
                break
    return bad == 0


def distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, counts): the row number of the first occurrence of each distinct row of ``x``
    (bit for bit), in order of first occurrence, and how many rows are copies of it."""
    x = np.ascontiguousarray(x)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("distinct_rows needs a non-empty 2-D array")
    bits = x.reshape(x.shape[0], -1).view(np.uint8 if x.itemsize % 4 else np.uint32)
    hashes = np.empty(x.shape[0], dtype=np.uint64)
    _row_hash_nb(bits, hashes)
    _, first, inverse, counts = np.unique(hashes, return_index=True, return_inverse=True,
                                          return_counts=True)
    if not _same_rows_nb(bits, first[inverse]):          # a hash collision: exact, slowly
        void = bits.view(np.dtype((np.void, bits.shape[1] * bits.itemsize))).ravel()
        _, first, counts = np.unique(void, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return first[order].astype(np.int64), counts[order].astype(np.int64)


def pbo_cscv(returns: np.ndarray, n_blocks: int = 16) -> PBO:
    """PBO of selecting the best column of ``returns`` (T rows in time order × N trials, per-period
    returns or excess returns as fractions) by per-period Sharpe ratio, over ``n_blocks`` (S, even)
    equal contiguous blocks of T // S rows; the oldest T mod S rows are dropped.

    A trial whose Sharpe is undefined on a half (no spread) ranks below every other there.
    """
    x = np.asarray(returns)
    if x.ndim != 2:
        raise ValueError("returns must be a 2-D array: rows are periods, columns are trials")
    n = x.shape[1]
    return _pbo(x.astype(np.float64, copy=False).T, np.arange(n, dtype=np.int64),
                np.ones(n, dtype=np.int64), n_blocks)


def pbo_cscv_distinct(trials: np.ndarray, n_blocks: int = 16) -> PBO:
    """:func:`pbo_cscv` of ``trials`` (V trials × T periods — a sweep's (V, M) monthly excess
    returns, float32 or float64, as they are: no transposed copy) computed over its distinct
    rows only, each counted with its number of identical copies (:func:`distinct_rows`).

    The PBO, logits, ranks and IS/OOS Sharpe ratios equal those over every trial bit for bit
    (a test checks it), and ``is_best`` holds trial numbers; the cost is that of the distinct
    trials (a sweep's parameters often leave the decisions unchanged: 10,800 → ~6,600).
    """
    x = np.asarray(trials)
    if x.ndim != 2:
        raise ValueError("trials must be a 2-D array: rows are trials, columns are periods")
    first, copies = distinct_rows(x)
    return _pbo(x, first, copies, n_blocks)


def pbo_over_rows(trials: np.ndarray, pick: np.ndarray, copies: np.ndarray,
                  n_blocks: int = 16) -> PBO:
    """:func:`pbo_cscv_distinct` with the distinct rows already found (``pick``, ``copies``
    from :func:`distinct_rows`)."""
    x = np.asarray(trials)
    if x.ndim != 2:
        raise ValueError("trials must be a 2-D array: rows are trials, columns are periods")
    return _pbo(x, np.asarray(pick, dtype=np.int64), np.asarray(copies, dtype=np.int64),
                n_blocks)


def _pbo(rows: np.ndarray, pick: np.ndarray, weight: np.ndarray, n_blocks: int) -> PBO:
    """PBO over trials ``rows[pick]`` (periods along each row), trial j counted weight[j] times;
    ``is_best`` as row numbers."""
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError(f"n_blocks must be an even number ≥ 2, got {n_blocks}")
    t, n = rows.shape[1], pick.size
    n_trials = int(weight.sum())
    block_len = t // n_blocks
    if n_trials < 2 or block_len < 1 or block_len * n_blocks // 2 < 2:
        raise ValueError(f"PBO needs ≥ 2 trials and ≥ 2 rows per half: got {n_trials} trials "
                         f"and {t} rows for {n_blocks} blocks; use fewer blocks")
    offset = t - block_len * n_blocks
    center = np.empty(n)
    s1 = np.empty((n_blocks, n))
    s2 = np.empty((n_blocks, n))
    _block_sums_nb(rows, pick, n_blocks, block_len, offset, center, s1, s2)
    half = n_blocks // 2
    n_combos = math.comb(n_blocks, half)
    combos = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n_blocks),
                                                                              half)),
                         dtype=np.int64, count=n_combos * half).reshape(n_combos, half)
    first = np.ascontiguousarray(combos[: combos.shape[0] // 2])
    c = combos.shape[0]
    rank = np.empty(c)
    best = np.empty(c, dtype=np.int64)
    is_perf = np.empty(c)
    oos_perf = np.empty(c)
    _cscv(s1, s2, center, first, half * block_len, weight, n_trials, rank, best, is_perf,
          oos_perf)
    best = pick[best]
    logits = np.log(rank / (1.0 - rank))
    return PBO(pbo=float(np.mean(logits <= 0.0)), logits=logits, oos_rank=rank, is_best=best,
               is_perf=is_perf, oos_perf=oos_perf, n_blocks=n_blocks, n_trials=n_trials,
               n_obs=block_len * n_blocks)


def _cscv(s1: np.ndarray, s2: np.ndarray, center: np.ndarray, first: np.ndarray, count: int,
          weight: np.ndarray, n_total_trials: int, rank_out: np.ndarray, best_out: np.ndarray,
          is_out: np.ndarray, oos_out: np.ndarray) -> None:
    """Per-split results from the per-block sums (S, n) of n trials. ``first`` holds the first
    half of the splits in lexicographic order (those with block 0 in sample); split c's mirror
    is C − 1 − c. Up to ``DIRECT_MAX`` trials: one pass per split pair
    (:mod:`engine.sweep.cscv_direct`); more: two tiled passes (:mod:`engine.sweep.moments`),
    the in-sample winners (first argmax), then their out-of-sample ranks (ties averaged,
    trials weighted by their copies)."""
    from engine.sweep.cscv_direct import DIRECT_MAX, cscv_direct_nb
    from engine.sweep.moments import (N_ITEMS, cscv_ranks_nb, cscv_winners_nb,
                                      half_sharpe_nb)

    n_half, half = first.shape
    n_total = 2 * n_half
    out_of = np.ones((n_half, 2 * half), dtype=bool)      # each split's other blocks, in order
    out_of[np.arange(n_half)[:, None], first] = False
    other = np.ascontiguousarray(np.nonzero(out_of)[1].reshape(n_half, half).astype(np.int64))
    if s1.shape[1] <= DIRECT_MAX:                          # block sums in cache: one pass
        cscv_direct_nb(s1, s2, center, first, other, count, weight, n_total_trials, rank_out,
                       best_out, is_out, oos_out)
        return
    items = max(1, min(N_ITEMS, s1.shape[1]))
    val = np.empty((items, n_total))
    idx = np.empty((items, n_total), dtype=np.int64)
    cscv_winners_nb(s1, s2, center, first, other, count, val, idx)
    best_val, best = val[0].copy(), idx[0].copy()     # item 0 holds trial 0
    for i in range(1, items):                          # first argmax: strictly greater wins
        better = val[i] > best_val
        best_val[better] = val[i][better]
        best[better] = idx[i][better]
    train = np.concatenate([first, other[::-1]])       # split d's in-sample blocks …
    test = np.concatenate([other, first[::-1]])        # … and out-of-sample ones
    value = np.array([half_sharpe_nb(s1, s2, test[d], count, center, best[d])
                      for d in range(n_total)])
    less = np.empty((items, n_total), dtype=np.int64)
    equal = np.empty((items, n_total), dtype=np.int64)
    cscv_ranks_nb(s1, s2, center, first, other, count, weight, value, less, equal)
    rank = less.sum(axis=0) + (equal.sum(axis=0) + 1) / 2.0
    rank_out[:] = rank / (n_total_trials + 1.0)
    best_out[:] = best
    is_out[:] = np.array([half_sharpe_nb(s1, s2, train[d], count, center, best[d])
                          for d in range(n_total)])
    oos_out[:] = value
