"""What a ``rowboat sweep`` process loads: none of the heavy libraries it does not use
(matplotlib and scipy.stats cost it ~3 s before: the page's SVG charts and the DSR's normal
distribution), no rich progress bar when ``--quiet``, and for ``--help`` or a bad option not
even numba or pandas (the fused kernel loads only to run a sweep)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"


def _loaded(code: str, modules: tuple[str, ...]) -> str:
    """Run ``code`` in a fresh interpreter; the last line: which of ``modules`` it loaded."""
    code += f"\nimport sys\nprint('LOADED', sorted(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout
    return out.splitlines()[-1]


def test_sweep_loads_no_plotting_scipy_stats_or_progress_module(tmp_path: Path) -> None:
    heavy = ("matplotlib", "scipy.stats", "quantstats", "vectorbt", "dask", "plotly", "bt",
             "engine.report.plots", "rich.progress")
    code = ("from engine.cli import main\n"
            f"assert main(['sweep', {str(CONFIG)!r}, '--strategy', 'rowing_boat', '--grid', "
            f"'drawdown=0.03,0.08', '--grid', 'shift=0.5,1', '--pbo-blocks', '8', "
            f"'--wf-train', '36', '--quiet', '--out', {str(tmp_path)!r}]) == 0")
    assert _loaded(code, heavy) == "LOADED []"
    assert (tmp_path / "rowing_boat-sweep" / "index.html").is_file()


def test_sweep_help_and_bad_options_load_no_kernel() -> None:
    heavy = ("numba", "pandas", "engine.sweep.api", "engine.sweep.fused")
    code = ("from engine.cli import main\n"
            "try:\n    main(['sweep', '--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
            "try:\n    main(['sweep', 'x.toml', '--strategy', 'a', '--rank-by', 'beta'])\n"
            "except SystemExit as e:\n    assert e.code == 2\n")
    assert _loaded(code, heavy) == "LOADED []"


def test_sweep_sets_its_imports_aside_from_the_cycle_collector(tmp_path: Path) -> None:
    """The ~150,000 objects pandas, numba and the kernels leave are frozen (gc.freeze) before
    the sweep runs, so no full collection walks them (three did: ~0.3 s of a 10,800-variant
    sweep); the collector is on again for the sweep's own garbage, and the results are those
    of an in-process run_sweep (the collector changes no number)."""
    code = ("import gc\nfrom engine.cli import main\n"
            f"assert main(['sweep', {str(CONFIG)!r}, '--strategy', 'rowing_boat', '--grid', "
            f"'drawdown=0.03,0.08', '--grid', 'shift=0.5,1', '--pbo-blocks', '8', "
            f"'--wf-train', '36', '--quiet', '--out', {str(tmp_path)!r}]) == 0\n"
            "print('FROZEN', gc.get_freeze_count(), gc.isenabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.splitlines()[-1].split()
    assert out[0] == "FROZEN" and int(out[1]) > 50_000 and out[2] == "True"
    import pandas as pd

    from engine.sweep.api import run_sweep

    got = pd.read_parquet(tmp_path / "rowing_boat-sweep" / "variants.parquet")
    want = run_sweep(CONFIG, strategy="rowing_boat", grid=["drawdown=0.03,0.08", "shift=0.5,1"],
                     pbo_blocks=8, wf_train=36, write=False).variants.reset_index()
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
