"""Helpers shared by the teaching notebooks: where runs go, the ketasim command line, the units of
the trace columns, doses shaded on a plot, and the worksheet answer keys.

The notebooks run ketasim through its Python package (`import ketasim`, built from python/ in the
repository): `bash notebooks/run-all.sh` builds and installs it into notebooks/.venv (showing the
build's progress), or install it into your Jupyter kernel's environment with `pip install ./python`
from the repository root.

Runs that a notebook writes to disk go to a per-user folder outside the repository (`RUNS`): the
folder named by the environment variable `KETASIM_RUNS` if set, else `ketasim/runs` in the user's
data folder (`$XDG_DATA_HOME` or `~/.local/share` on Linux, `~/Library/Application Support` on
macOS, `%LOCALAPPDATA%` on Windows).

The command line (`ketasim compare`, for one cell) is found by `ketasim_bin()`: `$KETASIM_BIN`,
else `ketasim` on `PATH`, else the repository's `target/release/ketasim`; otherwise it fails with a
message that says how to get one.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pandas as pd

try:
    import ketasim  # noqa: F401  (imported here to fail early with instructions)
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the notebooks need ketasim's Python package: run `bash notebooks/run-all.sh` (builds and installs it "
        "into notebooks/.venv), or `pip install ./python` from the repository root into this kernel's "
        "environment (needs Rust: https://rustup.rs)"
    ) from e

NOTEBOOKS = pathlib.Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent


def runs_folder() -> pathlib.Path:
    """The per-user folder for the notebooks' runs, outside the repository (see the module doc)."""
    if os.environ.get("KETASIM_RUNS"):
        return pathlib.Path(os.environ["KETASIM_RUNS"]).expanduser()
    home = pathlib.Path.home()
    if sys.platform == "win32":
        base = pathlib.Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = pathlib.Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "ketasim" / "runs"


RUNS = runs_folder()
RUNS.mkdir(parents=True, exist_ok=True)
print(f"ketasim {ketasim.__version__} (Python package at {pathlib.Path(ketasim.__file__).parent}); runs go to {RUNS}")


def ketasim_bin() -> str:
    """The ketasim command line: $KETASIM_BIN, else `ketasim` on PATH, else the repository's release build."""
    env = os.environ.get("KETASIM_BIN")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise FileNotFoundError(f"KETASIM_BIN={env} is not an executable file: point it at a built ketasim binary")
        return env
    found = shutil.which("ketasim")
    if found:
        return found
    built = ROOT / "target" / "release" / ("ketasim.exe" if sys.platform == "win32" else "ketasim")
    if built.is_file():
        return str(built)
    raise FileNotFoundError(
        "the ketasim command line was not found: set KETASIM_BIN=/path/to/ketasim, put ketasim on PATH, or build it "
        "with `cargo build --release` in the repository (bash notebooks/run-all.sh does that for you)"
    )


def ketasim_cli(*args: str) -> str:
    """Run the ketasim command line with `args`; its standard output, or an error with its message."""
    done = subprocess.run([ketasim_bin(), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ketasim {' '.join(map(str, args))} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def answer_key(worksheet: str) -> dict[str, tuple[float, float]]:
    """The answer key of docs/worksheets/`worksheet`: id → (answer, tolerance), from the table rows
    `| id | question | answer | ± tolerance |` under the heading "Answer key"."""
    text = (ROOT / "docs" / "worksheets" / worksheet).read_text(encoding="utf-8")
    key = text.split("## Answer key", 1)[1]
    out = {}
    for m in re.finditer(r"^\|\s*`([a-z0-9_]+)`\s*\|[^|]*\|\s*([-0-9.,]+)[^|]*\|\s*±\s*([0-9.]+)", key, re.M):
        out[m.group(1)] = (float(m.group(2).replace(",", "")), float(m.group(3)))
    if not out:
        raise ValueError(f"no answer rows in {worksheet}")
    return out


def check_answers(worksheet: str, computed: dict[str, float]) -> None:
    """Assert that every answer of the worksheet's key matches the numbers this notebook computed."""
    key = answer_key(worksheet)
    missing = set(key) - set(computed)
    assert not missing, f"{worksheet}: answers not computed here: {sorted(missing)}"
    for k, (answer, tol) in key.items():
        assert abs(computed[k] - answer) <= tol + 1e-9, f"{worksheet}: {k} is {computed[k]:.4g}, the key says {answer} ± {tol}"
    print(f"{worksheet}: all {len(key)} answers match the runs")


def units(run: "ketasim.Run") -> dict[str, str]:
    """Column name → unit, for the trace, from the run's manifest (as in manifest.json)."""
    cols = run.manifest["files"]["trace.csv"]["columns"]
    return {c["name"]: c["unit"] for c in cols}


def shade_doses(ax, events: pd.DataFrame, per: float = 1.0, color: str = "orange", alpha: float = 0.25) -> None:
    """Shade every administration of an events table on a matplotlib axis whose x is time / `per` hours."""
    open_doses: dict[str, list[float]] = {}
    for _, e in events.iterrows():
        if e.kind == "dose_start":
            open_doses.setdefault(e.detail, []).append(e.time_h)
        elif e.kind == "dose_end" and open_doses.get(e.detail):
            a, b = open_doses[e.detail].pop(0) / per, e.time_h / per
            if b - a < 1e-9:
                ax.axvline(a, color=color, alpha=min(1.0, 2 * alpha), lw=2)
            else:
                ax.axvspan(a, b, color=color, alpha=alpha, lw=0)
