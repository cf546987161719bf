"""Measure the synthetic sample's calibration targets on real closes and compare.

    python scripts/calibrate_sample.py [--prices DIR] [--weights FILE] [--seed N] [--seeds K]

Reads the real adjusted closes (default ``../shared/data/prices``, ``Date,Close`` per ticker)
and the Magnificent Seven weight snapshots (default ``../shared/data/weights/...``), computes
the targets that ``engine.data.sample.CALIBRATION`` holds (annual vol, CAGR, correlations over
the common window of the sleeve proxies), prints them beside the constants (flagging any that
differ), then prints the generated sample's figures beside the targets (seed ``N``; with
``--seeds K`` also the mean and range over seeds 0..K-1). Nothing is written; no data is copied.
Exit code 2 when the real data is missing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.data import sample as S  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
#: Sleeve proxies whose common window is the calibration window.
SLEEVE_PROXIES = {"US": "SPY", "MGK": "MGK", "EXUS": "ACWX", "EM": "EEM", "WORLD": "ACWI",
                  "CASH": "BIL", "BONDS": "AGG"}
#: Sample ticker → the real series its shocks are calibrated to (order of SHOCKED).
SHOCK_PROXIES = {**{s: s for s in S.SEVEN}, "US": "SPY", "EXUS": "ACWX", "EM": "EEM",
                 "BONDS": "AGG"}
#: Real proxies of the episode levels (EFA stands in for ACWX before ACWX's first date).
EPISODE_PROXIES = {"US": ("SPY",), "EXUS": ("ACWX", "EFA"), "EM": ("EEM",), "BONDS": ("AGG",)}


def load_closes(prices: Path, tickers: list[str]) -> pd.DataFrame:
    """Adjusted closes (``Date,Close`` files) side by side on the union of their dates."""
    frames = {}
    for t in tickers:
        path = prices / f"{t}.csv"
        if not path.is_file():
            raise SystemExit(f"error: {path} not found; point --prices at the folder of real "
                             "closes (../shared/data/prices)")
        frames[t] = pd.read_csv(path, index_col="Date", parse_dates=True)["Close"]
    return pd.concat(frames, axis=1, sort=True)


def mag7_weights(weights_file: Path) -> pd.Series:
    """Median weight of each of the seven inside SPY over the snapshots (GOOG + GOOGL as
    Alphabet), normalised to sum 1. The median ignores the known bad snapshot (2022-02-01)."""
    w = pd.read_csv(weights_file)
    w = w[w["fund"] == "SPY"].copy()
    w["GOOGL"] = w["GOOGL"].fillna(0) + w["GOOG"].fillna(0)
    med = w[list(S.SEVEN)].median()
    return med / med.sum()


def mag7_basket(closes: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Daily-rebalanced basket of the seven at ``weights``; members join as they list (weights
    renormalised over the members trading that day)."""
    rets = closes[list(S.SEVEN)].pct_change(fill_method=None)
    live = rets.notna() * weights
    live = live.div(live.sum(axis=1).replace(0.0, np.nan), axis=0)
    daily = (rets.fillna(0.0) * live).sum(axis=1)
    return (1.0 + daily).cumprod().rename("MAG7")


def calibration_targets(prices: Path, weights_file: Path) -> dict:
    """The figures ``CALIBRATION`` holds, measured from the real files."""
    tickers = sorted(set(SLEEVE_PROXIES.values()) | set(SHOCK_PROXIES.values()) | {"EFA"})
    closes = load_closes(prices, tickers)
    sleeves = closes[list(SLEEVE_PROXIES.values())].dropna()
    start, end = sleeves.index[0], sleeves.index[-1]
    window = (str(start.date()), str(end.date()))
    closes = closes.loc[start:end].copy()
    closes["MAG7"] = mag7_basket(closes, mag7_weights(weights_file))
    m = S.measure(closes, *window)
    proxy = {**SLEEVE_PROXIES, **{s: s for s in S.SEVEN}}
    vol = {k: float(m.loc[v, "vol"]) for k, v in proxy.items() if k != "MGK"}
    vol["MEGA"] = float(m.loc["MAG7", "vol"])
    cagr = {k: float(m.loc[v, "cagr"]) for k, v in SLEEVE_PROXIES.items() if k != "MGK"}
    cagr["MEGA"] = float(m.loc["MGK", "cagr"])
    c = S.correlations(closes, *window)
    name = {**SLEEVE_PROXIES, "MEGA": "MAG7"}
    corr = {(a, b): float(c.loc[name[a], name[b]]) for a, b in S.CALIBRATION.corr}
    shock = c.loc[list(SHOCK_PROXIES.values()), list(SHOCK_PROXIES.values())].to_numpy()
    levels = {}
    for sample_ticker, reals in EPISODE_PROXIES.items():
        s = closes[reals[0]].combine_first(_rebased(load_closes(prices, list(reals)), reals))
        base = s.loc[:window[0]].iloc[-1]
        levels[sample_ticker] = [float(s.loc[:d].iloc[-1] / base) for d in S.ANCHOR_DATES]
    return {"window": window, "vol": vol, "cagr": cagr, "corr": corr, "shock_corr": shock,
            "episode_levels": levels}


def _rebased(closes: pd.DataFrame, reals: tuple[str, ...]) -> pd.Series:
    """The first proxy, extended back in time with the second's returns."""
    s = closes[reals[0]]
    if len(reals) == 1:
        return s
    first = s.first_valid_index()
    back = closes[reals[1]].loc[:first] / closes[reals[1]].loc[first] * s.loc[first]
    return s.combine_first(back)


def generated(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = S.sample_panel(seed)
    return S.measure(panel.tr, *S.CALIBRATION.window), S.correlations(panel.tr,
                                                                      *S.CALIBRATION.window)


def _flag(measured: float, constant: float, tol: float) -> str:
    return "" if abs(measured - constant) <= tol else f"  <-- constant is {constant:.4f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prices", type=Path, default=SHARED / "prices")
    ap.add_argument("--weights", type=Path,
                    default=SHARED / "weights" / "mag7_weights_in_etfs_snapshots.csv")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seeds", type=int, default=0, help="also summarise seeds 0..K-1")
    args = ap.parse_args(argv)
    if not args.prices.is_dir() or not args.weights.is_file():
        print(f"error: real data not found ({args.prices}, {args.weights}); pass --prices and "
              "--weights", file=sys.stderr)
        return 2
    cal = S.CALIBRATION
    t = calibration_targets(args.prices, args.weights)
    same = "" if t["window"] == cal.window else f"  <-- CALIBRATION has {cal.window}"
    print(f"calibration window {t['window'][0]} .. {t['window'][1]}{same}")
    print("\nTargets measured on real closes (fractions; vol = std x sqrt(252), CAGR per 252 "
          "days):")
    for k in cal.vol:
        flag = _flag(t["vol"][k], cal.vol[k], 6e-5)
        line = f"  {k:6s} {cal.proxy[k]:38s} vol {t['vol'][k]:.4f}{flag}"
        if k in cal.cagr:
            line += f"  cagr {t['cagr'][k]:.4f}{_flag(t['cagr'][k], cal.cagr[k], 6e-5)}"
        print(line)
    for pair, v in t["corr"].items():
        print(f"  corr {pair[0]}-{pair[1]:6s} {v:.3f}{_flag(v, cal.corr[pair], 6e-4)}")
    shock_diff = np.abs(t["shock_corr"] - np.asarray(cal.shock_corr)).max()
    print(f"  shock correlation matrix ({', '.join(S.SHOCKED)}): max |measured - constant| = "
          f"{shock_diff:.4f}")
    print(np.array2string(t["shock_corr"], precision=3, suppress_small=True, max_line_width=120))
    print("\nReal proxy total-return levels at the episode dates (EPISODES stylises these):")
    levels = pd.DataFrame(t["episode_levels"], index=S.ANCHOR_DATES).round(2)
    levels["seven share (EPISODES)"] = [row[5] for row in S.EPISODES]
    print(levels.to_string())

    m, c = generated(args.seed)
    print(f"\nGenerated vs target (seed {args.seed}, same window and definitions):")
    print(f"  {'ticker':6s} {'vol tgt':>8s} {'vol gen':>8s} {'cagr tgt':>9s} {'cagr gen':>9s}")
    for k in cal.vol:
        tg = cal.cagr.get(k)
        print(f"  {k:6s} {cal.vol[k]:8.4f} {m.loc[k, 'vol']:8.4f} "
              f"{'' if tg is None else f'{tg:9.4f}':>9s} {m.loc[k, 'cagr']:9.4f}")
    for (a, b), v in cal.corr.items():
        print(f"  corr {a}-{b:6s} target {v:.3f} generated {c.loc[a, b]:.3f}")
    if args.seeds:
        rows = []
        for seed in range(args.seeds):
            m, c = generated(seed)
            rows.append({**{f"vol {k}": m.loc[k, "vol"] / cal.vol[k] for k in cal.vol},
                         **{f"corr {a}-{b}": c.loc[a, b] - v for (a, b), v in cal.corr.items()}})
        summary = pd.DataFrame(rows).agg(["mean", "min", "max"]).T
        print(f"\nOver seeds 0..{args.seeds - 1}: vol as a ratio to target, corr as a difference")
        print(summary.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
