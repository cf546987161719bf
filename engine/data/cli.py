"""``rowboat data check | fetch | show``.

* ``check PATH`` — validate a folder of CSVs (or one wide file): a table of every ticker (first,
  last, rows, findings) and every finding in full; exit 2 if any error, 0 if only warnings.
* ``fetch TICKER... [--cache-dir DIR] [--refresh]`` — fill the Yahoo cache, update what is not
  current (through the last completed session); ``--refresh`` asks Yahoo for every ticker.
* ``show [SOURCE] [--seed N] [--sleeve ROLE=SPEC ...]`` — load a universe (default: the sample)
  and print its sleeves, period, the ticker that set the start, the source, and annualised
  return and volatility per sleeve. ``show --config CONFIG [SOURCE]``: the universe a config
  reads (its sleeves, signal tickers, data options and ``[run] start/end``; SOURCE overrides
  its ``[data] source`` as ``rowboat run --data`` does).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.data.align import DEFAULT_FFILL_LIMIT, DEFAULT_MIN_DAYS, GAP_TEXT, check_alignment
from engine.data.load import DEFAULT_SEED, load_panel, source_kind
from engine.data.panel import Panel
from engine.data.sources import SourceData, read_folder, read_wide
from engine.data.validate import Finding, raise_on_errors, summarise
from engine.errors import ConfigError, DataError, DataWarning


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)
    p = sub.add_parser("check", help="validate a folder of CSVs or a wide file",
                       description="Validate a folder of CSVs (one per ticker) or one wide "
                                   "CSV/Parquet file; exit 2 if any error, 0 if only warnings.")
    p.add_argument("path", help="folder of CSVs, or a wide .csv/.parquet file")
    _price_only_option(p)
    _alignment_options(p)

    p = sub.add_parser("fetch", help="fill the Yahoo cache (needs a connection)",
                       description="Download daily closes from Yahoo into the Parquet cache.")
    p.add_argument("tickers", nargs="+", metavar="TICKER", help="Yahoo tickers, e.g. SPY ^GSPC")
    p.add_argument("--cache-dir", help="cache folder (default $ROWBOAT_CACHE_DIR or "
                                       "~/.cache/rowboat/yahoo)")
    p.add_argument("--refresh", action="store_true",
                   help="ask Yahoo even for tickers whose cache is current (through the last "
                        "completed session); re-downloads everything if Yahoo re-based the "
                        "adjusted history")

    p = sub.add_parser("show", help="load a universe and describe its sleeves",
                       description="Load a universe and print its sleeves, period and "
                                   "annualised return/volatility per sleeve.")
    p.add_argument("source", nargs="?", default=None,
                   help="'sample' (default), 'sample_history' (monthly from 1970), 'yahoo', a "
                        "folder of CSVs or a wide file")
    p.add_argument("--config", type=Path, metavar="CONFIG",
                   help="describe the universe this experiment's TOML file reads (its sleeves, "
                        "data source and [run] start/end); SOURCE overrides its data source")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the sample universe")
    _price_only_option(p)
    p.add_argument("--sleeve", action="append", default=[], metavar="ROLE=SPEC",
                   help="a sleeve: us=SPY, em=EEM,VWO (equal weights) or mega=AAPL:0.6,MSFT:0.4; "
                        "repeat for more (default: the sample's sleeves, or one per ticker)")
    p.add_argument("--start", help="first date (YYYY-MM-DD)")
    p.add_argument("--end", help="last date (YYYY-MM-DD)")
    p.add_argument("--offline", action="store_true", help="Yahoo: use the cache only")
    p.add_argument("--cache-dir", help="Yahoo cache folder")
    p.add_argument("--max-age-days", type=int, metavar="DAYS",
                   help="Yahoo: calendar days the cache may lag the last close when a refresh "
                        "fails (default: a failed refresh is an error)")
    p.add_argument("--base-currency", help="convert into this currency (needs --fx)")
    p.add_argument("--fx", help="FX ticker: data currency per one base unit, e.g. GBPUSD=X")
    _alignment_options(p)


def _price_only_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--price-only", action="append", default=[], metavar="TICKER",
                   help="the ticker's file holds price levels (e.g. ^GSPC: Date,Close[,Volume] "
                        "without dividends); repeat for several")


def _alignment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ffill-limit", type=int, default=DEFAULT_FFILL_LIMIT,
                   help="longest gap filled with the previous close, in trading days (default 5)")
    p.add_argument("--min-days", type=int, default=DEFAULT_MIN_DAYS,
                   help="fewest trading days all tickers must share (default 252)")


def main(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if args.data_command == "check":
        return _check(args, console)
    if args.data_command == "fetch":
        return _fetch(args, console)
    return _show(args, console)


# ---------------------------------------------------------------------------- check
def _read_for_check(path: str, price_only: list[str] | tuple[str, ...] = ()) -> SourceData:
    kind = source_kind(path)
    if kind == "folder":
        data = read_folder(Path(path).expanduser(), price_only=price_only)
        if not data.series:
            raise DataError(f"{path}: no CSV files; put one file per ticker (e.g. SPY.csv) there")
        return data
    if kind == "wide":
        return read_wide(Path(path).expanduser(), price_only=price_only)
    raise ConfigError(f"data check validates a folder of CSVs or a wide CSV/Parquet file, not "
                      f"{path!r}; for the sample or Yahoo use `rowboat data show {path}`")


def _check(args: argparse.Namespace, console: Console) -> int:
    data = _read_for_check(args.path, args.price_only)
    usable = {t: s.tr for t, s in data.series.items()
              if len(s.tr) and not any(f.is_error for f in s.findings)}
    source_findings: list[Finding] = list(data.findings)
    by_ticker: dict[str, list[Finding]] = {t: list(s.findings) for t, s in data.series.items()}
    window = None
    if usable and not any(f.is_error for f in data.findings):
        window, found = check_alignment(usable, ffill_limit=args.ffill_limit,
                                        min_days=args.min_days,
                                        labels={t: s.label for t, s in data.series.items()})
        for f in found:
            (by_ticker[f.ticker] if GAP_TEXT in f.message and f.ticker in by_ticker
             else source_findings).append(f)

    table = Table(title=escape(data.label))
    for col, justify in (("ticker", "left"), ("first", "left"), ("last", "left"),
                         ("rows", "right"), ("findings", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for t, s in data.series.items():
        found = by_ticker[t]
        style = "red" if any(f.is_error for f in found) else "yellow" if found else "green"
        table.add_row(escape(t), str(s.first.date()) if s.first is not None else "-",
                      str(s.last.date()) if s.last is not None else "-", str(s.rows),
                      f"[{style}]{summarise(found)}[/{style}]")
    console.print(table)
    every = source_findings + [f for t in data.series for f in by_ticker[t]]
    for f in every:
        tag = "[red]error[/red]" if f.is_error else "[yellow]warning[/yellow]"
        console.print(f"{tag} ", end="")
        console.print(f.message, markup=False, soft_wrap=True)
    if window is not None:
        overlap = int((window.calendar >= window.start).sum())
        console.print(f"common period {window.start.date()} to {window.end.date()} "
                      f"({overlap} trading days; start set by "
                      f"{window.start_ticker})", markup=False, soft_wrap=True)
    n_err = sum(f.is_error for f in every)
    console.print(f"{len(data.series)} tickers: {summarise(every)}", markup=False)
    if n_err:
        print(f"rowboat: error: {args.path}: {summarise(every)}; fix the errors listed above",
              file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------------------- fetch
def _fetch(args: argparse.Namespace, console: Console) -> int:
    from engine.data.yahoo import default_cache_dir, fetch

    cache = Path(args.cache_dir).expanduser() if args.cache_dir else default_cache_dir()
    table = Table(title=escape(f"Yahoo cache {cache}"))
    for col in ("ticker", "first", "last", "rows", "action"):
        table.add_column(col)
    failures: list[str] = []
    for t in dict.fromkeys(args.tickers):
        try:
            r = fetch(t, cache_dir=cache, refresh=args.refresh)
        except DataError as exc:
            failures.append(str(exc))
            table.add_row(escape(t), "-", "-", "0", "[red]failed[/red]")
            continue
        action = r.action + (f" (+{r.new_rows} rows)" if r.action == "updated" else "")
        table.add_row(escape(r.ticker), str(r.frame.index[0].date()), str(r.frame.index[-1].date()),
                      str(len(r.frame)), action)
    console.print(table)
    if len(failures) == 1:
        raise DataError(failures[0])
    if failures:
        raise DataError(f"{len(failures)} of {len(set(args.tickers))} tickers failed: "
                        + " | ".join(failures))
    return 0


# ---------------------------------------------------------------------------- show
def parse_sleeve_option(text: str) -> tuple[str, str | list[str] | dict[str, float]]:
    """``us=SPY`` → ("us", "SPY"); ``em=EEM,VWO`` → equal weights; ``m=AAPL:0.6,MSFT:0.4`` →
    weights (fractions)."""
    role, sep, spec = text.partition("=")
    role, spec = role.strip(), spec.strip()
    if not sep or not role or not spec:
        raise ConfigError(f"--sleeve {text!r}: write ROLE=TICKER, ROLE=T1,T2 or ROLE=T1:0.6,T2:0.4")
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not any(":" in p for p in parts):
        return role, parts[0] if len(parts) == 1 else parts
    weights = {}
    for p in parts:
        ticker, _, w = p.rpartition(":")
        try:
            weights[ticker.strip()] = float(w)
        except ValueError:
            raise ConfigError(f"--sleeve {text!r}: weight {w!r} of {ticker!r} is not a number; "
                              "give fractions, e.g. AAPL:0.6,MSFT:0.4") from None
    return role, weights


def _default_sleeves(source: str, price_only: list[str]) -> dict[str, str] | None:
    """One sleeve per readable ticker of a folder or wide file. A file with errors is
    reported on its own line (stderr) and left out, so one bad file does not hide the rest."""
    kind = source_kind(source)
    if kind in ("sample", "sample_history"):
        return None
    if kind == "yahoo":
        raise ConfigError("rowboat data show yahoo needs --sleeve ROLE=TICKER (e.g. --sleeve "
                          "us=SPY --sleeve em=EEM)")
    data = (read_folder(source, price_only=price_only) if kind == "folder"
            else read_wide(source, price_only=price_only))
    if any(f.is_error for f in data.findings):
        raise_on_errors(list(data.findings))
    good = {}
    for t, s in data.series.items():
        errors = [f for f in s.findings if f.is_error]
        if errors:
            more = f" (and {len(errors) - 1} more; see rowboat data check)" if len(errors) > 1 \
                else ""
            print(f"rowboat: error: {errors[0].message}{more} — left out", file=sys.stderr)
        else:
            good[t] = t
    if not good:
        raise DataError(f"{source}: no file without errors; run rowboat data check {source}")
    return good


def _show(args: argparse.Namespace, console: Console) -> int:
    if args.max_age_days is not None and args.max_age_days < 0:
        raise ConfigError(f"--max-age-days {args.max_age_days}: give a number of calendar days, "
                          "0 or more")
    if args.config is not None:
        return _show_config(args, console)
    args.source = args.source or "sample"
    sleeves = (dict(parse_sleeve_option(s) for s in args.sleeve) if args.sleeve
               else _default_sleeves(args.source, args.price_only))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        panel = load_panel(args.source, sleeves, start=args.start, end=args.end,
                           base_currency=args.base_currency, fx=args.fx,
                           ffill_limit=args.ffill_limit, offline=args.offline,
                           price_only=args.price_only,
                           cache_dir=args.cache_dir, max_age_days=args.max_age_days,
                           min_days=args.min_days, seed=args.seed)
    for w in caught:
        if issubclass(w.category, DataWarning):
            print(f"rowboat: warning: {w.message}", file=sys.stderr)
    print_panel(panel, console, start_option=args.start is not None)
    return 0


_CONFIG_CLASH = ("seed", "base_currency", "fx", "offline", "cache_dir")


def _show_config(args: argparse.Namespace, console: Console) -> int:
    """``data show --config CONFIG [SOURCE]``: the config's own panel, cut to its period."""
    from engine.config import load_config
    from engine.experiment import config_panel, parse_date

    if not args.config.is_file():
        raise ConfigError(f"config file {args.config} not found; give the path of a TOML file "
                          "(e.g. scripts/configs/rowing_boat.toml)")
    clash = ["--sleeve"] * bool(args.sleeve) + [
        f"--{k.replace('_', '-')}" for k in _CONFIG_CLASH
        if getattr(args, k) not in (None, False, DEFAULT_SEED)]
    if clash:
        raise ConfigError(f"data show --config reads {clash[0]} from the config; drop "
                          f"{clash[0]} (or edit {args.config})")
    cfg = load_config(args.config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        panel = config_panel(cfg, args.source)
    for w in caught:
        if issubclass(w.category, DataWarning):
            print(f"rowboat: warning: {w.message}", file=sys.stderr)
    start = parse_date("start", args.start) if args.start else cfg.run.start
    end = parse_date("end", args.end) if args.end else cfg.run.end
    if start is not None or end is not None:
        panel = panel.slice(start, end)
    console.print(f"config: {args.config} ([run] name {cfg.run.name})", markup=False,
                  soft_wrap=True)
    print_panel(panel, console, start_option=start is not None)
    return 0


def print_panel(panel: Panel, console: Console, *, start_option: bool = False) -> None:
    """Sleeves, period, what set the start (a ticker, or ``--start`` when ``start_option`` and
    the panel was cut later than its data begins), the source and annualised
    return/volatility."""
    if panel.synthetic:
        console.print("[bold magenta]synthetic sample[/bold magenta] — generated data, not "
                      "market prices")
    console.print(f"source: {panel.source}", markup=False, soft_wrap=True)
    first, last = panel.dates[0].date(), panel.dates[-1].date()
    unit = {"monthly": "months", "weekly": "weeks"}.get(panel.frequency, "trading days")
    console.print(f"data: {first} to {last} ({len(panel)} {unit}, {panel.frequency}; each series "
                  "from its own first date, below; the period is where every ticker has a "
                  "price)", markup=False)
    firsts = panel.first_dates
    common = firsts.max()
    start_by = (f"; start set by {panel.start_ticker}" if panel.start_ticker
                else "; start set by --start" if start_option else "")
    n = int((panel.dates >= common).sum())
    console.print(f"period: {common.date()} to {last} ({n} {unit}{start_by})",
                  markup=False)
    if panel.currency:
        console.print(f"currency: {panel.currency}", markup=False)
    filled = {t: n for t, n in panel.filled.items() if n}
    if filled:
        console.print("forward-filled days: " + ", ".join(f"{t} {n}" for t, n in filled.items()),
                      markup=False, soft_wrap=True)
    table = Table(title=f"sleeves (total return, {panel.periods_per_year} {unit} a year)")
    for col, justify in (("sleeve", "left"), ("tickers (weights)", "left"), ("first", "left"),
                         ("return %/yr", "right"), ("volatility %/yr", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    desc = panel.describe().set_index("sleeve") if panel.sleeves else None
    for role, sl in panel.sleeves.items():
        names = (" ".join(f"{t} {w:.0%}" for t, w in zip(sl.tickers, sl.weights))
                 if sl.is_basket else sl.tickers[0])
        row = desc.loc[role] if desc is not None else None
        table.add_row(escape(role), escape(names), str(row["first"]),
                      f"{100 * row['ann_return']:.2f}",
                      f"{100 * row['ann_vol']:.2f}")
    console.print(table)
