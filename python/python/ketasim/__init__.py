"""ketasim: an agent-based simulator of how low-dose ketamine acts on the brain, from Python.

The simulator is the Rust library (built into the extension ``ketasim._ketasim``); this package
returns its results as pandas DataFrames, with exactly the columns of the CSV files that the
``ketasim`` command line writes (see docs/output.md), and the same numbers for the same scenario
and seed::

    import ketasim

    run = ketasim.run("iv-infusion", set={"dose.0.mg_per_kg": 0.25}, seed=7)
    run.trace          # trace.csv as a DataFrame: time_h, plasma_ketamine_ng_ml, ...
    run.events         # events.csv
    run.summary        # summary.csv (one row)
    run.manifest       # manifest.json as a dict
    run.write("runs/half-dose")     # the same files as `ketasim run ... --out runs/half-dose`
    run.plot("half-dose.png")       # the cascade figure, as `ketasim plot`

    ketasim.scenarios()             # the bundled scenario names
    ketasim.check("iv-infusion")    # the resolved scenario as a dict
    ketasim.params()                # the parameter table as a DataFrame
    ketasim.sweep("sweeps/dose-response.toml", "runs/dose-response")  # in parallel, in Rust

A scenario is a bundled name, a path to a ``.toml`` file, TOML text, or a dict (the TOML as
nested dicts and lists). The GIL is released while Rust runs; Ctrl-C (``KeyboardInterrupt``)
stops a run cleanly within a step. Errors are :class:`InputError` (bad input, with ``file``,
``key``, ``line``, ``column``), :class:`NumericalError` (a numerical guard stopped the run) and
:class:`Cancelled` (stopped through a :class:`CancelToken`).

The wheel also installs the ``ketasim`` command-line program (``ketasim --help``).
"""

from __future__ import annotations

import collections.abc
import io
import json
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _ketasim
from ._errors import Cancelled, InputError, InternalError, KetasimError, NumericalError
from ._ketasim import CancelToken

__version__: str = _ketasim.__version__

__all__ = [
    "run",
    "Run",
    "check",
    "scenario",
    "scenarios",
    "params",
    "sweep",
    "Sweep",
    "plot",
    "scenario_descriptions",
    "trial",
    "Trial",
    "CancelToken",
    "KetasimError",
    "InputError",
    "InternalError",
    "NumericalError",
    "Cancelled",
    "RUN_FILES",
]

#: The files of a run directory, in the order ``ketasim run`` prints them.
RUN_FILES = ("trace.csv", "events.csv", "summary.csv", "doses.csv", "manifest.json")

ScenarioLike = Union[str, "os.PathLike[str]", Mapping[str, Any]]
Sets = Union[Mapping[str, Any], Iterable[str], None]


def _set_value(value: Any) -> str:
    """A Python value as the VALUE of ``--set KEY=VALUE`` (a TOML value; strings as typed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v) if isinstance(v, str) else _set_value(v) for v in value) + "]"
    raise TypeError(f"cannot pass {type(value).__name__} as a scenario value: {value!r}")


def _sets(sets: Sets) -> List[str]:
    if sets is None:
        return []
    if isinstance(sets, str):
        return [sets]
    if isinstance(sets, collections.abc.Mapping):
        return [f"{k}={_set_value(v)}" for k, v in sets.items()]
    return [str(s) for s in sets]


def _resolve(scenario: ScenarioLike, sets: Sets, seed: Optional[int]) -> "_ketasim.Scenario":
    """Resolve a scenario given as a bundled name, a path, TOML text or a dict."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise InputError(f"seed {seed!r}: expected a whole number >= 0", key="seed")
    if isinstance(scenario, collections.abc.Mapping):
        return _ketasim.resolve("json", json.dumps(scenario), _sets(sets), seed, "<dict>")
    if isinstance(scenario, os.PathLike):
        return _ketasim.resolve("spec", os.fspath(scenario), _sets(sets), seed, "")
    if not isinstance(scenario, str):
        raise TypeError(f"scenario must be a name, a path, TOML text or a dict, not {type(scenario).__name__}")
    # TOML text has a line break or an `=`; a bundled name or a path has neither (a path with `=`
    # that exists is still read as a path).
    if "\n" in scenario or ("=" in scenario and not os.path.exists(scenario)):
        return _ketasim.resolve("toml", scenario, _sets(sets), seed, "<string>")
    return _ketasim.resolve("spec", scenario, _sets(sets), seed, "")


def _read_csv(data: bytes):
    import pandas as pd

    return pd.read_csv(io.BytesIO(data))


class Run:
    """A finished run. The tables are pandas DataFrames with exactly the columns (and the dtypes)
    that ``pandas.read_csv`` gives for the files ``ketasim run`` writes; see docs/output.md."""

    def __init__(self, inner: "_ketasim.Run"):
        self._inner = inner
        self._cache: Dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<ketasim.Run {self.name!r}: {self.steps} steps, {len(self.trace)} trace rows>"

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._inner.scenario().name

    @property
    def trace(self):
        """trace.csv: one row per sample, ``time_h`` then one float64 column per read-out. The
        values are the run's own doubles, which trace.csv holds exactly (shortest round-trip
        form): ``pandas.read_csv`` of the file gives the same numbers with pandas 3, and with
        ``float_precision="round_trip"`` on pandas 2."""
        if "trace" not in self._cache:
            import pandas as pd

            cols = self._inner.trace_columns()
            self._cache["trace"] = pd.DataFrame({name: values for name, values in cols}, copy=False)
        return self._cache["trace"].copy()

    @property
    def events(self):
        """events.csv: doses, blockers, warnings and the clinic's events."""
        if "events" not in self._cache:
            self._cache["events"] = _read_csv(self.file("events.csv"))
        return self._cache["events"].copy()

    @property
    def summary(self):
        """summary.csv: one row of peaks, exposures and clinical read-outs."""
        if "summary" not in self._cache:
            self._cache["summary"] = _read_csv(self.file("summary.csv"))
        return self._cache["summary"].copy()

    @property
    def doses(self):
        """doses.csv as a DataFrame: one row per administration given, with its own Cmax, AUC,
        acute effects, discharge, and MADRS / spine density 24 h and 7 days after it."""
        if "doses" not in self._cache:
            self._cache["doses"] = _read_csv(self.file("doses.csv"))
        return self._cache["doses"].copy()

    @property
    def manifest(self) -> Dict[str, Any]:
        """manifest.json as a dict (scenario, seed, version, columns with units, timing)."""
        return json.loads(self.file("manifest.json"))

    @property
    def scenario(self) -> Dict[str, Any]:
        """The resolved scenario that was run, as a dict."""
        return json.loads(self._inner.scenario().json())

    @property
    def warnings(self) -> List[str]:
        """Warnings about the scenario, as ``ketasim run`` prints them (e.g. not a low dose)."""
        return list(self._inner.scenario().warnings())

    @property
    def steps(self) -> int:
        """Time steps simulated."""
        return self._inner.steps

    @property
    def wall_time_s(self) -> float:
        """Wall-clock time of the run, in seconds."""
        return self._inner.wall_time_s

    @property
    def threads(self) -> int:
        """Worker threads recorded in the manifest."""
        return self._inner.threads

    def file(self, name: str) -> bytes:
        """The bytes of ``trace.csv``, ``events.csv``, ``summary.csv`` or ``manifest.json``,
        exactly as ``ketasim run`` writes them."""
        return self._inner.file(name)

    def write(self, dir: Union[str, "os.PathLike[str]"], force: bool = False) -> str:
        """Write the run directory ``dir`` (trace.csv, events.csv, summary.csv, manifest.json) as
        ``ketasim run --out DIR`` does, atomically; an existing non-empty directory is replaced
        only with ``force=True``. Returns the directory."""
        return self._inner.write(os.fspath(dir), force)

    def plot(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Draw the figure of the whole cascade into ``path`` (``.png`` or ``.svg``), as
        ``ketasim plot`` does. Returns the path."""
        return self._inner.plot(os.fspath(path))


class _ProgressBar:
    """A text progress bar on stderr (works in a terminal and in a notebook)."""

    def __init__(self, label: str):
        self.label = label
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct == self.last:
            return
        self.last = pct
        bar = "#" * (pct // 5) + "-" * (20 - pct // 5)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{self.label} [{bar}] {pct:3d}% ({done}/{total} steps){end}")
        sys.stderr.flush()


def run(
    scenario: ScenarioLike,
    *,
    set: Sets = None,
    seed: Optional[int] = None,
    threads: int = 1,
    progress: Union[bool, Callable[[int, int], None]] = False,
    cancel: Optional[CancelToken] = None,
) -> Run:
    """Run a scenario and return its results.

    Parameters
    ----------
    scenario:
        A bundled scenario name (see :func:`scenarios`), a path to a ``.toml`` file, TOML text, or
        a dict of the TOML's tables.
    set:
        Overrides by dotted key path, as ``--set KEY=VALUE``: a dict such as
        ``{"dose.0.mg_per_kg": 0.25}`` or a list of ``"KEY=VALUE"`` strings.
    seed:
        Overrides the scenario's seed.
    threads:
        Worker threads for the ECS (1 to 1024; results do not depend on it). The thread pool is
        process-wide: the first run of a process fixes its size.
    progress:
        ``True`` for a progress bar on stderr, or a callable ``f(done_steps, total_steps)``
        called about every 50 ms (from the calling thread).
    cancel:
        A :class:`CancelToken`; ``token.cancel()`` from another thread stops the run, which then
        raises :class:`Cancelled`.

    Raises
    ------
    InputError
        The scenario or an override is invalid.
    NumericalError
        A numerical guard stopped the run.
    KeyboardInterrupt
        Ctrl-C: the run is stopped cleanly within one step.
    """
    sc = _resolve(scenario, set, seed)
    callback = _ProgressBar(sc.name) if progress is True else (progress or None)
    return Run(_ketasim.run(sc, threads, callback, cancel))


def check(scenario: ScenarioLike, *, set: Sets = None, seed: Optional[int] = None, text: bool = False):
    """Validate a scenario and return it fully resolved (every default filled in) as a dict; runs
    nothing. With ``text=True``, return exactly what ``ketasim check`` prints instead (the
    resolved TOML and the classification of each dose against the low-dose limits)."""
    sc = _resolve(scenario, set, seed)
    return sc.check_text() if text else json.loads(sc.json())


def scenario(name: ScenarioLike, *, set: Sets = None, seed: Optional[int] = None) -> Dict[str, Any]:
    """The resolved scenario ``name`` (bundled name, path, TOML text or dict) as a dict; the same
    as :func:`check`."""
    return check(name, set=set, seed=seed)


def scenarios() -> List[str]:
    """The names of the bundled scenarios, in teaching order (``ketasim list``)."""
    return [name for name, _ in _ketasim.scenarios()]


def scenario_descriptions() -> Dict[str, str]:
    """Bundled scenario name → its one-line description, as ``ketasim list`` prints them."""
    return dict(_ketasim.scenarios())


def params():
    """The model's parameter table as a DataFrame: name, default, unit, min, max (the range the
    model accepts), stage, source, and the uncertainty range (uncertainty_low, uncertainty_high:
    plausible true values, what ``ketasim sensitivity`` samples) with its basis
    (``ketasim params``; docs/model.md, docs/sensitivity.md)."""
    import pandas as pd

    return pd.DataFrame(_ketasim.params())


class Sweep:
    """The result of :func:`sweep`: the sweep directory and its tables."""

    def __init__(self, info: Dict[str, Any]):
        self._info = info
        self.dir: str = os.path.dirname(info["summary"])
        #: runs in the sweep (this shard), runs done now, runs kept from before (``resume``)
        self.runs: int = info["runs"]
        self.ran: int = info["ran"]
        self.resumed: int = info["resumed"]
        self.wall_time_s: float = info["wall_time_s"]

    def __repr__(self) -> str:
        return f"<ketasim.Sweep {self.dir!r}: {self.runs} runs>"

    @property
    def summary(self):
        """summary.csv: one row per run (run_id, point, replicate, seed, the swept keys, the summary columns)."""
        import pandas as pd

        return pd.read_csv(self._info["summary"])

    @property
    def points(self):
        """points.csv: mean and SD per point over its replicates (``None`` for a shard)."""
        import pandas as pd

        return None if self._info["points"] is None else pd.read_csv(self._info["points"])

    @property
    def manifest(self) -> Dict[str, Any]:
        """sweep.json as a dict."""
        with open(self._info["sweep_json"], encoding="utf-8") as f:
            return json.load(f)

    def plot(
        self,
        y: Union[str, Sequence[str]],
        x: Optional[str] = None,
        path: Union[str, "os.PathLike[str]", None] = None,
        logx: bool = False,
    ) -> str:
        """Draw summary column ``y`` (or several: one stacked panel each) against swept key ``x``
        (replicate mean ± SD), as ``ketasim plot DIR --x X --y Y [--y Y2 ...] [--logx]``; ``x``
        may be left out when one key was swept. The figure goes to ``path`` (default
        ``DIR/<y>-vs-<x>.png``). Returns its path."""
        return plot(self.dir, path, x=x, y=y, logx=logx)

    def run_dir(self, run_id: str) -> str:
        """The directory of one run of the sweep (trace.csv, ... as ``ketasim run`` writes)."""
        return os.path.join(self.dir, "runs", run_id)


def sweep(
    sweep_file: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]", None] = None,
    *,
    jobs: Optional[int] = None,
    shard: Optional[str] = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
) -> Sweep:
    """Run a parameter sweep as ``ketasim sweep`` does: every (point, replicate) of the sweep file,
    ``jobs`` runs at a time in Rust threads (default: all cores), into ``out`` (default
    ``runs/<file stem>``). ``shard="K/N"`` runs one slice, ``resume=True`` keeps finished runs,
    ``force=True`` replaces an existing directory. See docs/sweep.md. Ctrl-C stops it cleanly
    (finished runs stay for ``resume``)."""
    info = _ketasim.sweep(os.fspath(sweep_file), None if out is None else os.fspath(out), jobs, shard, resume, force, quiet)
    return Sweep(info)


def plot(
    dir: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]", None] = None,
    *,
    x: Optional[str] = None,
    y: Union[str, Sequence[str], None] = None,
    force: bool = False,
    logx: bool = False,
    dose: Optional[int] = None,
) -> str:
    """Draw a run directory (the whole cascade), a sweep directory (``y`` against ``x``) or a trial
    directory as ``ketasim plot DIR [--out OUT] [--x X] [--y Y ...] [--logx] [--dose K] [--force]``
    does; returns the figure's path. ``y`` may be a list of summary columns: one stacked panel
    each on a shared x axis; ``logx`` draws the swept key on a logarithmic axis (sweeps only);
    ``dose`` shows the early hours after administration K of a run. An existing file at ``out`` is
    replaced only with ``force=True`` (or when it is a figure inside a ketasim result directory)."""
    ys = [] if y is None else [y] if isinstance(y, str) else list(y)
    return _ketasim.plot_dir(os.fspath(dir), None if out is None else os.fspath(out), x, ys, force, dose, logx)


class Trial:
    """A finished trial directory (``ketasim trial``): its tables as pandas DataFrames, read with the
    same dtypes as ``pandas.read_csv`` of the files (see docs/trial.md)."""

    def __init__(self, info: Dict[str, Any]):
        self.dir = info["dir"]
        self.info = info

    def _table(self, name: str) -> "pd.DataFrame":
        import pandas as pd

        return pd.read_csv(os.path.join(self.dir, name))

    @property
    def arms(self) -> "pd.DataFrame":
        """arms.csv: per arm and visit, response and remission with Wilson intervals, NNT, relapse."""
        return self._table("arms.csv")

    @property
    def subjects(self) -> "pd.DataFrame":
        """subjects.csv: one row per subject and arm (covariates, exposure, MADRS at the visits)."""
        return self._table("subjects.csv")

    @property
    def timecourse(self) -> "pd.DataFrame":
        """timecourse.csv: per arm and sample time, mean, SD and quantiles of the key columns."""
        return self._table("timecourse.csv")

    @property
    def survival(self) -> "pd.DataFrame":
        """survival.csv: Kaplan-Meier time to relapse per arm, with the numbers at risk."""
        return self._table("survival.csv")

    def __repr__(self) -> str:
        return f"Trial({self.dir!r}, {self.info['units']} subject-arms)"


def trial(
    trial_file: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]", None] = None,
    *,
    jobs: Optional[int] = None,
    shard: Optional[str] = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
) -> Trial:
    """Run an in-silico trial as ``ketasim trial`` does: every subject of every arm, ``jobs`` at a
    time in Rust threads (default: all cores), into ``out`` (default ``runs/<file stem>``).
    ``shard="K/N"`` runs one slice, ``resume=True`` keeps finished blocks, ``force=True`` replaces a
    trial directory ketasim wrote. Ctrl-C stops it cleanly. See docs/trial.md."""
    info = _ketasim.trial(os.fspath(trial_file), None if out is None else os.fspath(out), jobs, shard, resume, force, quiet)
    return Trial(info)
