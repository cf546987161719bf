#!/usr/bin/env python
"""Speed benchmark: rowboat vs vectorbt (task A) and vs bt (task B); prints one JSON object.

Usage: ``python scripts/bench.py [--quick] [--task a|b]`` (the same as ``rowboat bench``).
The logic lives in :mod:`engine.bench`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import bench  # noqa: E402


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.splitlines()[0])
    bench.configure(parser)
    return bench.main(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(cli())
