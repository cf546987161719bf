"""``make test`` fills numba's cache once before pytest (scripts/warm_kernels.py): its commands
must be ones rowboat accepts, cover both backends and the sweep, and run before pytest."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from engine.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _warm():
    spec = importlib.util.spec_from_file_location("warm_kernels",
                                                  ROOT / "scripts" / "warm_kernels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_warm_command_parses_and_both_backends_and_the_sweep_are_there(tmp_path):
    lanes = _warm().commands(tmp_path)
    assert len(lanes) == 2                      # two processes side by side on 2 cores
    seen = set()
    for cmd in (c for lane in lanes for c in lane):
        assert cmd[1:3] == ["-m", "engine.cli"]
        parser, module = build_parser(cmd[3])
        args = parser.parse_args(cmd[3:])       # SystemExit (exit 2) on a wrong option
        assert module is not None and args.config.is_file()
        assert Path(args.out).is_relative_to(tmp_path)   # nothing written in the checkout
        seen.add((args.command, getattr(args, "backend", None)))
    assert seen == {("run", "numba"), ("run", "vectorbt"), ("sweep", None)}


def test_make_test_warms_the_kernels_before_pytest():
    make = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", make, re.M).group(1).splitlines()
    assert "scripts/warm_kernels.py" in recipe[0] and "-m pytest" in recipe[1]
