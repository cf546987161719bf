"""The ``rowboat`` command: ``run | today | compare | sweep | data | bench | server``.

Each sub-command lives in its own module exposing ``configure(parser)`` and ``main(args) -> int``;
this file only dispatches, imports lazily (so ``rowboat --help`` is fast), and turns a
:class:`~engine.errors.UserError` into one message on stderr and exit code 2, without a
traceback. Anything else is a bug: exit 1 with the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings

#: sub-command → (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("engine.report.cli_run", "run a config: backtest every strategy, write results/<name>/"),
    "today": ("engine.report.cli_today", "where the signals stand now and what each strategy "
              "holds (prints; writes nothing)"),
    "compare": ("engine.report.cli_compare", "one comparison page across several run folders"),
    "sweep": ("engine.sweep.cli", "parameter sweep of one strategy with overfitting statistics"),
    "data": ("engine.data.cli", "check a data folder, fetch Yahoo data, show a universe"),
    "bench": ("engine.bench", "speed benchmark against vectorbt and bt (prints JSON)"),
    "server": ("engine.server_cli", "start, stop or show a resident process that run, sweep, "
               "today and compare start from (about 1.5 s faster each)"),
}


def _quiet_third_party() -> None:
    """quantstats, vectorbt and matplotlib are noisy; the user's terminal should not be."""
    import logging

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.ERROR)


def version_text() -> str:
    """``rowboat 0.1.0 (quantstats 0.0.86, Python 3.11.7)``."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from engine import __version__

    try:
        qs = version("quantstats")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        qs = "not installed"
    return f"rowboat {__version__} (quantstats {qs}, Python {platform.python_version()})"


def _one_line_data_warnings() -> None:
    """Our own DataWarnings print as ``rowboat: warning: MESSAGE`` (one line, like errors),
    not in Python's ``file:line: DataWarning: …`` form with a source line."""
    from engine.errors import DataWarning

    shown = warnings.showwarning
    if getattr(shown, "rowboat", False):
        return

    def show(message, category, filename, lineno,  # type: ignore[no-untyped-def]
             file=None, line=None):
        if issubclass(category, DataWarning):
            print(f"rowboat: warning: {message}", file=sys.stderr if file is None else file)
            return
        shown(message, category, filename, lineno, file, line)

    show.rowboat = True  # type: ignore[attr-defined]
    warnings.showwarning = show


class _Version(argparse.Action):
    """``--version``: the text is looked up (package metadata, ~0.1 s) only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        print(version_text())
        parser.exit()


def build_parser(command: str | None = None) -> tuple[argparse.ArgumentParser, object | None]:
    """The parser; only ``command``'s module is imported (and configured)."""
    parser = argparse.ArgumentParser(
        prog="rowboat",
        description="Backtest rotation between US mega-caps, ex-US and emerging markets.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = None
    for name, (modname, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == command:
            module = importlib.import_module(modname)
            module.configure(p)  # type: ignore[attr-defined]
    return parser, module


def _run(module: object, args: argparse.Namespace) -> int:
    """``module.main(args)``; once more after clearing numba's cache when it was unreadable."""
    from engine import numba_cache

    numba_cache.preload_blas()   # every command loads kernels: numba's BLAS check, 0.35 s less
    try:
        return int(module.main(args) or 0)  # type: ignore[attr-defined]
    except Exception as exc:
        if not numba_cache.is_cache_failure(exc):
            raise
        folder = numba_cache.clear()
        print(f"rowboat: numba's cache in {folder} could not be read ({type(exc).__name__}); "
              "cleared it and running again (kernels compile afresh, about a minute)",
              file=sys.stderr)
    return int(module.main(args) or 0)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    from engine import interrupt, server
    from engine.errors import UserError

    previous = interrupt.handle_signals()
    try:
        _quiet_third_party()
        _one_line_data_warnings()
        argv = list(sys.argv[1:] if argv is None else argv)
        served = server.forward(argv)       # a started `rowboat server` runs it, if there is one
        if served is not None:
            return served
        command = next((a for a in argv if not a.startswith("-")), None)
        parser, module = build_parser(command if command in COMMANDS else None)
        args = parser.parse_args(argv)
        if not args.command or module is None:
            parser.print_help()
            return 2
        return _run(module, args)
    except UserError as exc:
        print(f"rowboat: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:     # Ctrl-C, SIGTERM, SIGHUP: one line, 128 + signal
        return interrupt.report(exc)
    finally:
        interrupt.restore(previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
