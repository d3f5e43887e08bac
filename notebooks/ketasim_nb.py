"""Helpers shared by the teaching notebooks: build ketasim, run it, read its CSV files, shade doses.

The notebooks run ketasim themselves, so they work from a fresh clone: the first call builds the
release binary with cargo (a few minutes the very first time, then instant). Runs are written
under notebooks/runs/, which git ignores.

Set KETASIM_BIN to use an already built binary instead of building one.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import pandas as pd

NOTEBOOKS = pathlib.Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
RUNS = NOTEBOOKS / "runs"

_binary: str | None = None


def binary() -> str:
    """The path of the ketasim binary, built with `cargo build --release` on first use."""
    global _binary
    if _binary is None:
        if os.environ.get("KETASIM_BIN"):
            _binary = os.environ["KETASIM_BIN"]
        else:
            # --message-format=json tells where the binary is, wherever CARGO_TARGET_DIR points.
            out = subprocess.run(
                ["cargo", "build", "--release", "--quiet", "--message-format=json", "--bin", "ketasim"],
                cwd=ROOT, capture_output=True, text=True,
            )
            if out.returncode != 0:
                raise RuntimeError(f"cargo build failed:\n{out.stderr}")
            for line in out.stdout.splitlines():
                msg = json.loads(line)
                if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == "ketasim":
                    _binary = msg["executable"]
            if _binary is None:
                raise RuntimeError("cargo build did not report the ketasim binary")
    return _binary


def ketasim(*args: object) -> str:
    """Run `ketasim ARGS...` from the repository root and return what it printed on stdout."""
    cmd = [binary(), *map(str, args)]
    # Jupyter kernels ask command-line tools for colours (CLICOLOR_FORCE); ketasim's help would then
    # contain terminal escape codes.
    env = {k: v for k, v in os.environ.items() if k not in ("CLICOLOR_FORCE", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {out.returncode}):\n{out.stderr}")
    return out.stdout


def has_command(name: str) -> bool:
    """Whether this ketasim has the subcommand `name` (it is listed by `ketasim --help`)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", ketasim("--help"))
    return any(line.split()[:1] == [name] for line in text.splitlines())


def run(scenario: str, name: str | None = None, sets: dict | None = None, seed: int | None = None,
        plot: bool = False) -> pathlib.Path:
    """Run a bundled scenario (or a .toml path) into notebooks/runs/NAME and return that directory.

    `sets` maps dotted keys to values, as `--set KEY=VALUE` on the command line.
    """
    out = RUNS / (name or scenario)
    args: list[object] = ["run", scenario, "--out", out, "--force", "--quiet"]
    for key, value in (sets or {}).items():
        args += ["--set", f"{key}={value}"]
    if seed is not None:
        args += ["--seed", seed]
    if plot:
        args.append("--plot")
    ketasim(*args)
    return out


def load(run_dir: pathlib.Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(trace, events, summary) of a run directory; summary is its one row as a Series."""
    run_dir = pathlib.Path(run_dir)
    trace = pd.read_csv(run_dir / "trace.csv")
    events = pd.read_csv(run_dir / "events.csv")
    summary = pd.read_csv(run_dir / "summary.csv").iloc[0]
    return trace, events, summary


def manifest(run_dir: pathlib.Path) -> dict:
    return json.loads((pathlib.Path(run_dir) / "manifest.json").read_text())


def units(run_dir: pathlib.Path) -> dict[str, str]:
    """Column name → unit, for trace.csv, from manifest.json."""
    cols = manifest(run_dir)["files"]["trace.csv"]["columns"]
    return {c["name"]: c["unit"] for c in cols}


def shade_doses(ax, events: pd.DataFrame, per: float = 1.0, color: str = "orange", alpha: float = 0.25) -> None:
    """Shade every administration of events.csv on a matplotlib axis whose x is time / `per` hours."""
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
