"""Shared fixtures: the Rust command-line binary the package is compared with.

The binary is KETASIM_BIN if set, else target/release/ketasim of this repository (built by
`cargo build --release`; python/ci.sh builds it). Tests that compare with the command line fail
(they are not skipped) when it is missing.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> pathlib.Path:
    env = os.environ.get("KETASIM_BIN")
    path = pathlib.Path(env) if env else ROOT / "target" / "release" / "ketasim"
    if not path.is_file():
        pytest.fail(f"the ketasim binary {path} is missing: run `cargo build --release` at the repository root "
                    "(or set KETASIM_BIN)")
    return path


class Cli:
    """Runs the Rust binary; `run_dir` caches run directories by arguments."""

    def __init__(self, binary: pathlib.Path, tmp: pathlib.Path):
        self.binary = binary
        self.tmp = tmp
        self._runs: dict = {}

    def __call__(self, *args: object, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("CLICOLOR_FORCE", "FORCE_COLOR")}
        env["NO_COLOR"] = "1"
        out = subprocess.run([str(self.binary), *map(str, args)], capture_output=True, env=env, cwd=cwd or ROOT)
        if check and out.returncode != 0:
            raise AssertionError(f"ketasim {args} failed ({out.returncode}): {out.stderr.decode()}")
        return out

    def run_dir(self, scenario: str, *sets: str, seed=None) -> pathlib.Path:
        """`ketasim run SCENARIO --set ... [--seed N] --out DIR --quiet`, once per argument set."""
        key = (scenario, sets, seed)
        if key not in self._runs:
            out = self.tmp / f"cli-run-{len(self._runs)}"
            args = ["run", scenario, "--out", out, "--quiet"]
            for s in sets:
                args += ["--set", s]
            if seed is not None:
                args += ["--seed", seed]
            self(*args)
            self._runs[key] = out
        return self._runs[key]


@pytest.fixture(scope="session")
def cli(tmp_path_factory) -> Cli:
    return Cli(_binary(), tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


def console_script() -> str:
    """The `ketasim` console script installed with the package (beside this Python)."""
    import sys

    here = pathlib.Path(sys.executable).parent / "ketasim"
    return str(here) if here.exists() else (shutil.which("ketasim") or "ketasim")


@pytest.fixture(autouse=True, scope="session")
def python_sigint_handler():
    """Python's own SIGINT handler for every test, whatever the test process inherited: a shell
    without job control (a CI script's background job) starts commands with SIGINT ignored, and
    then Python installs no handler, so the tests of Ctrl-C (signal.raise_signal,
    _thread.interrupt_main) would get no KeyboardInterrupt and run their long work to the end."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
