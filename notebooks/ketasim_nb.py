"""Helpers shared by the teaching notebooks: the units of the trace columns, and doses shaded on a plot.

The notebooks run ketasim through its Python package (`import ketasim`, built from python/ in the
repository): `bash notebooks/run-all.sh` builds and installs it into notebooks/.venv, or install it
into your Jupyter kernel's environment with `pip install ./python` from the repository root. Runs
that a notebook writes to disk go under notebooks/runs/, which git ignores.
"""

from __future__ import annotations

import pathlib

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
RUNS = NOTEBOOKS / "runs"


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
