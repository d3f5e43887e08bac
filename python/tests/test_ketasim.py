"""The Python package against the command line: same tables (columns, dtypes, values), same bytes,
same errors; cancellation; every public function."""

from __future__ import annotations

import json
import math
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import ketasim
from conftest import console_script

# Small and short, for the tests that are not about a bundled scenario as shipped.
FAST = ("circuit.pyramidal_neurons=20", "duration_h=6")

# One bundled scenario (or a bundled scenario with its route changed) per drug and route.
ROUTES = {
    "ketamine-iv_infusion": ("iv-infusion", ()),
    "ketamine-iv_bolus": ("iv-bolus-anesthetic", ()),
    "esketamine-intranasal": ("esketamine-intranasal", ()),
    "ketamine-oral": ("oral-troche", ()),
    "ketamine-sublingual": ("oral-troche", ("dose.0.route=sublingual", "dose.0.mg=50")),
    "ketamine-intraperitoneal": ("rat-li2010", ()),
}

CSV_TABLES = ("trace", "events", "summary")


def _cli_tables(run_dir: pathlib.Path, **kw) -> dict:
    return {t: pd.read_csv(run_dir / f"{t}.csv", **kw) for t in CSV_TABLES}


# ---------------------------------------------------------------------------------------------
# Runs: tables, bytes


@pytest.mark.parametrize("case", sorted(ROUTES))
def test_each_drug_and_route_matches_the_command_line(case, cli, tmp_path):
    scenario, sets = ROUTES[case]
    drug, route = case.split("-", 1)
    run = ketasim.run(scenario, set=list(sets))
    assert {(d["drug"], d["route"]) for d in run.scenario["dose"]} == {(drug, route)}
    cli_dir = cli.run_dir(scenario, *sets)
    # The same bytes as `ketasim run`, written or asked for.
    out = pathlib.Path(run.write(tmp_path / "py"))
    for name in ("trace.csv", "events.csv", "summary.csv"):
        expected = (cli_dir / name).read_bytes()
        assert (out / name).read_bytes() == expected, name
        assert run.file(name) == expected, name
    # The DataFrames: the CSV's columns and dtypes, as pandas reads the command line's files.
    tables = _cli_tables(cli_dir)
    for t in CSV_TABLES:
        df, ref = getattr(run, t), tables[t]
        assert list(df.columns) == list(ref.columns), t
        assert df.dtypes.to_dict() == ref.dtypes.to_dict(), t
        assert len(df) == len(ref) > 0, t
    # The trace values are the run's own doubles: equal to the file read back exactly.
    # pandas 3 parses floats exactly by default; pandas 2's default parser may be off in the last bit.
    exact_kw = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    exact = pd.read_csv(cli_dir / "trace.csv", **exact_kw)
    assert_frame_equal(run.trace, exact, check_exact=True)
    assert_frame_equal(run.events, tables["events"], check_exact=True)
    assert_frame_equal(run.summary, tables["summary"], check_exact=True)
    assert run.trace.dtypes.eq(np.float64).all()
    assert run.steps > 0 and run.wall_time_s > 0


def test_manifest_equals_the_command_line_but_for_wall_time(cli, tmp_path):
    run = ketasim.run("baseline", set=list(FAST))
    ref = json.loads((cli.run_dir("baseline", *FAST) / "manifest.json").read_text())
    got = run.manifest
    written = json.loads((pathlib.Path(run.write(tmp_path / "r")) / "manifest.json").read_text())
    assert got["wall_time_s"] > 0
    # The process's own facts: its wall time and command line (Python's argv here, the binary's
    # there); everything else, the git commit of the build included, is the same.
    for m in (got, ref, written):
        m.pop("wall_time_s")
        assert isinstance(m.pop("command_line"), list)
    assert got["git_commit"] == written["git_commit"]
    if os.environ.get("KETASIM_SAME_BUILD"):
        assert got["git_commit"] == ref["git_commit"]
    ref.pop("git_commit"), got.pop("git_commit"), written.pop("git_commit")
    assert got == ref == written
    assert [c["name"] for c in got["files"]["trace.csv"]["columns"]] == list(run.trace.columns)
    assert run.scenario == got["scenario"]


def test_seed_and_overrides_match_the_command_line(cli):
    sets = (*FAST, "dose.0.mg_per_kg=0.25")
    a = ketasim.run("iv-infusion", set={"circuit.pyramidal_neurons": 20, "duration_h": 6, "dose.0.mg_per_kg": 0.25}, seed=9)
    b = ketasim.run("iv-infusion", set=list(sets), seed=9)
    ref = cli.run_dir("iv-infusion", *sets, seed=9)
    for name in ("trace.csv", "events.csv", "summary.csv"):
        assert a.file(name) == b.file(name) == (ref / name).read_bytes()
    assert a.summary.seed.iloc[0] == 9
    assert a.scenario["dose"][0]["mg_per_kg"] == 0.25
    other = ketasim.run("iv-infusion", set=list(sets), seed=10)
    assert other.file("trace.csv") != a.file("trace.csv")


def test_scenario_as_path_toml_text_and_dict(root, tmp_path):
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    path = root / "scenarios" / "iv-infusion.toml"
    by_name = ketasim.run("iv-infusion", set=list(FAST))
    by_path = ketasim.run(path, set=list(FAST))
    by_str_path = ketasim.run(str(path), set=list(FAST))
    by_text = ketasim.run(path.read_text(), set=list(FAST))
    with open(path, "rb") as f:
        by_dict = ketasim.run(tomllib.load(f), set=list(FAST))
    for other in (by_path, by_str_path, by_text, by_dict):
        for name in ("trace.csv", "events.csv", "summary.csv"):
            assert other.file(name) == by_name.file(name), name
    # The resolved scenario, as a dict, runs again to the same result.
    again = ketasim.run(ketasim.check("iv-infusion", set=list(FAST)))
    assert again.file("trace.csv") == by_name.file("trace.csv")


def test_threads_do_not_change_results():
    one = ketasim.run("baseline", set=list(FAST))
    two = ketasim.run("baseline", set=list(FAST), threads=2)
    assert two.threads == 2 and one.threads == 1
    assert two.file("trace.csv") == one.file("trace.csv")
    with pytest.raises(ketasim.InputError, match="allowed 1 to 1024"):
        ketasim.run("baseline", threads=0)


def test_write_refuses_an_existing_directory_without_force(tmp_path):
    run = ketasim.run("baseline", set=list(FAST))
    out = tmp_path / "r"
    assert pathlib.Path(run.write(out)) == out
    assert sorted(p.name for p in out.iterdir()) == sorted(ketasim.RUN_FILES)
    with pytest.raises(ketasim.InputError) as e:
        run.write(out)
    assert e.value.file == str(out)
    assert pathlib.Path(run.write(out, force=True)) == out


def test_plot_draws_the_same_figure_as_the_command_line(cli, tmp_path):
    run = ketasim.run("baseline", set=list(FAST))
    png = tmp_path / "fig.png"
    assert run.plot(png) == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ref = tmp_path / "ref.png"
    cli("plot", cli.run_dir("baseline", *FAST), "--out", ref)
    assert png.read_bytes() == ref.read_bytes()
    svg = tmp_path / "fig.svg"
    run.plot(svg)
    assert b"<svg" in svg.read_bytes()[:400]
    with pytest.raises(ketasim.InputError, match="unsupported figure format"):
        run.plot(tmp_path / "fig.jpg")


def test_progress_callback_and_bar(capsys):
    seen = []
    ketasim.run("baseline", set=["circuit.pyramidal_neurons=20", "duration_h=48"], progress=lambda d, t: seen.append((d, t)))
    assert seen, "the callback was never called"
    total = seen[-1][1]
    assert seen[-1] == (total, total) and total > 0
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    ketasim.run("baseline", set=list(FAST), progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "steps)" in err


def test_doses_match_the_cli_file(cli, tmp_path):
    run = ketasim.run("iv-infusion", set=list(FAST))
    out = tmp_path / "py"
    run.write(out)
    ref = cli.run_dir("iv-infusion", *FAST)
    assert (out / "doses.csv").read_bytes() == (ref / "doses.csv").read_bytes()
    assert_frame_equal(run.doses, pd.read_csv(ref / "doses.csv"))
    assert len(run.doses) == 1 and run.doses.drug.iloc[0] == "ketamine"
    assert len(ketasim.run("baseline", set=list(FAST)).doses) == 0


# ---------------------------------------------------------------------------------------------
# Scenarios, parameters


def test_scenarios_are_those_of_ketasim_list(cli):
    lines = cli("list").stdout.decode().splitlines()
    names = [line.split()[0] for line in lines]
    assert ketasim.scenarios() == names
    descr = ketasim.scenario_descriptions()
    for line in lines:
        name = line.split()[0]
        assert line[24:].strip() == descr[name].strip()
    assert "iv-infusion" in names and "esketamine-intranasal" in names


def test_check_text_is_ketasim_check_output(cli):
    out = cli("check", "iv-infusion", "--set", "dose.0.mg_per_kg=0.25", "--seed", "4").stdout.decode()
    assert ketasim.check("iv-infusion", set={"dose.0.mg_per_kg": 0.25}, seed=4, text=True) == out


def test_check_and_scenario_return_the_resolved_scenario():
    sc = ketasim.check("iv-infusion", set={"dose.0.mg_per_kg": 0.25}, seed=4)
    assert isinstance(sc, dict)
    assert sc["seed"] == 4
    assert sc["dose"][0]["mg_per_kg"] == 0.25
    assert sc["dose"][0]["route"] == "iv_infusion"
    assert ketasim.scenario("iv-infusion") == ketasim.check("iv-infusion")
    assert ketasim.scenario("iv-infusion")["dose"][0]["mg_per_kg"] == 0.5


def test_params_is_the_parameter_table(cli):
    df = ketasim.params()
    assert list(df.columns) == [
        "name", "default", "unit", "min", "max", "stage", "source",
        "uncertainty_low", "uncertainty_high", "uncertainty_basis",
    ]
    for c in ("default", "min", "max", "uncertainty_low", "uncertainty_high"):
        assert df[c].dtype == np.float64
    lines = cli("params").stdout.decode().splitlines()[1:]
    assert list(df["name"]) == [line.split()[0] for line in lines]
    assert list(df["default"]) == [float(line.split()[1]) for line in lines]
    assert (df["min"] <= df["default"]).all() and (df["default"] <= df["max"]).all()
    # The uncertainty range holds the default and lies inside the validity range.
    assert (df["min"] <= df["uncertainty_low"]).all() and (df["uncertainty_low"] <= df["default"]).all()
    assert (df["default"] <= df["uncertainty_high"]).all() and (df["uncertainty_high"] <= df["max"]).all()
    assert (df["uncertainty_basis"].str.len() > 0).all()
    # The same ranges as `ketasim params --format csv`.
    import csv, io
    rows = list(csv.DictReader(io.StringIO(cli("params", "--format", "csv").stdout.decode())))
    assert [float(r["uncertainty_low"]) for r in rows] == list(df["uncertainty_low"])
    assert [float(r["uncertainty_high"]) for r in rows] == list(df["uncertainty_high"])
    assert df["name"].is_unique


# ---------------------------------------------------------------------------------------------
# Errors


def test_input_error_fields_and_message_match_the_command_line(cli):
    with pytest.raises(ketasim.InputError) as e:
        ketasim.check("iv-infusion", set=["dose.0.mg_per_kgg=1"])
    err = cli("check", "iv-infusion", "--set", "dose.0.mg_per_kgg=1", check=False)
    assert err.returncode == 2
    assert err.stderr.decode() == f"error: {e.value}\n"
    assert e.value.key == "dose.0.mg_per_kgg"
    assert "did you mean `mg_per_kg`" in e.value.message
    assert isinstance(e.value, ValueError) and isinstance(e.value, ketasim.KetasimError)


def test_input_error_in_a_file_has_file_line_and_column(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nduration_h = 4.0\nseed = "a"\n')
    with pytest.raises(ketasim.InputError) as e:
        ketasim.run(bad)
    v = e.value
    assert (v.file, v.key, v.line, v.column) == (str(bad), "seed", 3, 8)
    assert v.message == 'expected a whole number from 0 to 18446744073709551615, found the string "a"'
    err = cli("run", bad, "--out", tmp_path / "out", check=False)
    assert err.returncode == 2
    assert err.stderr.decode().splitlines()[0] == f"error: {v}"


def test_input_error_in_toml_text_and_unknown_names():
    with pytest.raises(ketasim.InputError) as e:
        ketasim.run('name = "x"\nduration_h = [\n')
    assert e.value.file == "<string>" and e.value.line is not None and "not valid TOML" in str(e.value)
    with pytest.raises(ketasim.InputError, match="did you mean `iv-infusion`") as e:
        ketasim.run("iv-infusio")
    assert e.value.file is None and e.value.key is None and e.value.line is None
    with pytest.raises(ketasim.InputError, match="no None"):
        ketasim.run({"name": None})
    with pytest.raises(ketasim.InputError):
        ketasim.run("iv-infusion", seed=-1)


def test_numerical_guard_raises_numerical_error(monkeypatch):
    monkeypatch.setenv("KETASIM_FAULT_INJECT", "nan_glutamate")
    with pytest.raises(ketasim.NumericalError) as e:
        ketasim.run("baseline", set=list(FAST))
    assert "glutamate" in str(e.value) and "NaN" in str(e.value)
    assert isinstance(e.value, RuntimeError)
    assert e.value.stage == "glutamate" and math.isnan(e.value.value) and e.value.t_h >= 1.0


# ---------------------------------------------------------------------------------------------
# Cancellation

LONG = ["circuit.pyramidal_neurons=2000", "duration_h=5000"]  # minutes of work if not stopped


def test_a_cancel_token_stops_a_long_run_promptly():
    token = ketasim.CancelToken()
    timer = threading.Timer(0.5, token.cancel)
    start = time.monotonic()
    timer.start()
    with pytest.raises(ketasim.Cancelled) as e:
        ketasim.run("baseline", set=LONG, cancel=token)
    elapsed = time.monotonic() - start
    assert token.cancelled
    assert e.value.signal == 2
    assert str(e.value).startswith("interrupted by SIGINT (Ctrl-C) at t = ")
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"


def test_sigint_raises_keyboard_interrupt_promptly_and_cleanly():
    fired = []

    def interrupt():
        fired.append(time.monotonic())
        signal.raise_signal(signal.SIGINT)

    timer = threading.Timer(0.5, interrupt)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        ketasim.run("baseline", set=LONG)
    end = time.monotonic()
    timer.join()
    assert fired and end - fired[0] < 5, f"KeyboardInterrupt came {end - fired[0]:.1f} s after SIGINT"
    assert end - start < 10
    # The next run is not affected.
    assert ketasim.run("baseline", set=list(FAST)).steps > 0


def test_interrupt_main_raises_keyboard_interrupt():
    import _thread

    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ketasim.run("baseline", set=LONG)
    assert time.monotonic() - start < 10


# ---------------------------------------------------------------------------------------------
# Sweeps

SWEEP = """\
base = "iv-infusion"
description = "test sweep"
replicates = 2
seed = 3

[set]
"duration_h" = 6.0
"circuit.pyramidal_neurons" = 20

[grid]
"dose.0.mg_per_kg" = [0.25, 0.5]
"""


def test_sweep_matches_ketasim_sweep(cli, tmp_path):
    f = tmp_path / "small.toml"
    f.write_text(SWEEP)
    res = ketasim.sweep(f, tmp_path / "py", jobs=2)
    cli("sweep", f, "--out", tmp_path / "cli", "--jobs", "1", "--quiet")
    assert res.runs == 4 and res.ran == 4 and res.resumed == 0
    assert pathlib.Path(res.dir) == tmp_path / "py"
    for name in ("summary.csv", "points.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert_frame_equal(res.summary, pd.read_csv(tmp_path / "cli" / "summary.csv"))
    assert_frame_equal(res.points, pd.read_csv(tmp_path / "cli" / "points.csv"))
    assert len(res.summary) == 4 and "run_id" in res.summary.columns
    assert isinstance(res.manifest, dict)
    run_id = res.summary.run_id.iloc[0]
    assert (pathlib.Path(res.run_dir(run_id)) / "trace.csv").is_file()
    png = pathlib.Path(res.plot("peak_glutamate_rel"))
    assert png == tmp_path / "py" / "peak_glutamate_rel-vs-dose.0.mg_per_kg.png"
    ref = cli("plot", tmp_path / "cli", "--y", "peak_glutamate_rel", "--out", tmp_path / "ref.png")
    assert png.read_bytes() == (tmp_path / "ref.png").read_bytes()
    run_png = pathlib.Path(ketasim.plot(res.run_dir(run_id), tmp_path / "run.svg"))
    assert b"<svg" in run_png.read_bytes()[:400]
    # Several columns (one stacked panel each) on a log x axis: the same bytes as the command line.
    cols = ["peak_glutamate_rel", "peak_mtorc1_rel"]
    many = pathlib.Path(res.plot(cols, path=tmp_path / "many.svg", logx=True))
    cli("plot", tmp_path / "cli", "--y", cols[0], "--y", cols[1], "--logx", "--out", tmp_path / "many-ref.svg")
    assert many.read_bytes() == (tmp_path / "many-ref.svg").read_bytes()
    assert all(c.encode() in many.read_bytes() for c in cols)
    with pytest.raises(ketasim.InputError, match="--logx"):
        ketasim.plot(res.run_dir(run_id), tmp_path / "run-log.svg", logx=True)
    again = ketasim.sweep(f, tmp_path / "py", resume=True)
    assert again.ran == 0 and again.resumed == 4
    with pytest.raises(ketasim.InputError, match="--jobs 0"):
        ketasim.sweep(f, tmp_path / "x", jobs=0)
    with pytest.raises(ketasim.InputError):
        ketasim.sweep(f, tmp_path / "py")  # exists, not empty, no force


# ---------------------------------------------------------------------------------------------
# The command-line program shipped in the wheel


def test_console_script_is_the_command_line(cli, tmp_path):
    exe = console_script()
    env = {**os.environ, "NO_COLOR": "1"}
    for args in (["--version"], ["list"], ["check", "esketamine-intranasal"]):
        got = subprocess.run([exe, *args], capture_output=True, env=env)
        ref = cli(*args)
        assert (got.returncode, got.stdout) == (0, ref.stdout), args
    bad = subprocess.run([exe, "check", "iv-infusion", "--set", "dose.0.mg_per_kgg=1"], capture_output=True, env=env)
    ref = cli("check", "iv-infusion", "--set", "dose.0.mg_per_kgg=1", check=False)
    assert (bad.returncode, bad.stderr) == (2, ref.stderr)
    flag = subprocess.run([exe, "run"], capture_output=True, env=env)
    assert flag.returncode == 2 and b"SCENARIO" in flag.stderr.upper()
    out = tmp_path / "script"
    done = subprocess.run([exe, "run", "baseline", "--out", out, "--quiet", *sum((["--set", s] for s in FAST), [])],
                          capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    ref_dir = cli.run_dir("baseline", *FAST)
    for name in ("trace.csv", "events.csv", "summary.csv"):
        assert (out / name).read_bytes() == (ref_dir / name).read_bytes()
    slurm = subprocess.run([exe, "sweep", "sweeps/routes.toml", "--slurm", "2"], capture_output=True, env=env)
    assert slurm.returncode == 2 and b"needs the ketasim binary" in slurm.stderr
    via_m = subprocess.run([sys.executable, "-m", "ketasim", "list"], capture_output=True, env=env)
    assert via_m.stdout == cli("list").stdout


def test_console_script_ctrl_c_exits_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "long"
    p = subprocess.Popen([console_script(), "run", "baseline", "--out", out, "--quiet", *sum((["--set", s] for s in LONG), [])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Signal once the run has started: its hidden staging directory (.long.partial-PID) exists.
    deadline = time.monotonic() + 60
    while not any(q.name.startswith(".long.") for q in tmp_path.iterdir()):
        assert p.poll() is None and time.monotonic() < deadline, "the run did not start"
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert b"interrupted by SIGINT" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "the staging directory was left behind"


def test_package_ships_types():
    pkg = pathlib.Path(ketasim.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_ketasim.pyi").is_file()
    assert ketasim.__version__ == "0.1.0"


def test_ctrl_c_stops_a_sweep_and_the_next_sweep_runs(tmp_path):
    long = tmp_path / "long.toml"
    long.write_text(SWEEP.replace('"duration_h" = 6.0', '"duration_h" = 5000.0').replace(
        '"circuit.pyramidal_neurons" = 20', '"circuit.pyramidal_neurons" = 2000'))
    timer = threading.Timer(0.5, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ketasim.sweep(long, tmp_path / "long", jobs=2)
    assert time.monotonic() - start < 15
    timer.join()
    # The runs in flight were stopped and their staging directories removed: no run is left.
    runs = tmp_path / "long" / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []
    # The process-wide token was reset: the next sweep runs to its end.
    f = tmp_path / "small.toml"
    f.write_text(SWEEP)
    assert ketasim.sweep(f, tmp_path / "after", jobs=2).ran == 4


def test_warnings_name_and_repr_match_the_command_line(cli, tmp_path):
    run = ketasim.run("iv-bolus-anesthetic", set=list(FAST))
    out = cli("run", "iv-bolus-anesthetic", "--out", tmp_path / "w", *sum((["--set", s] for s in FAST), []))
    cli_warnings = [line[len("warning: "):] for line in out.stderr.decode().splitlines() if line.startswith("warning: ")]
    assert run.warnings == cli_warnings and any("not a low dose" in w for w in run.warnings)
    assert run.name == run.summary.scenario.iloc[0] == run.scenario["name"]
    assert repr(run).startswith(f"<ketasim.Run {run.name!r}: {run.steps} steps")
    assert ketasim.run("iv-infusion", set=list(FAST)).warnings == []


def test_trial_matches_ketasim_trial(cli, root, tmp_path):
    # The bundled saline crossover with fewer subjects: the same tables as `ketasim trial`.
    text = (root / "trials" / "saline-crossover.toml").read_text()
    f = tmp_path / "small-trial.toml"
    f.write_text(re.sub(r"(?m)^subjects\s*=\s*\d+", "subjects = 6", text))
    res = ketasim.trial(f, tmp_path / "py", jobs=2)
    cli("trial", f, "--out", tmp_path / "cli", "--jobs", "1", "--quiet")
    for name in ("subjects.csv", "arms.csv", "timecourse.csv", "survival.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert_frame_equal(res.arms, pd.read_csv(tmp_path / "cli" / "arms.csv"))
    assert set(res.arms.arm) == {"ketamine", "saline"}
    assert len(res.subjects) == 12
    assert {"arm", "time_h"} <= set(res.timecourse.columns)
    with pytest.raises(ketasim.InputError):
        ketasim.trial(tmp_path / "missing.toml", tmp_path / "x")
