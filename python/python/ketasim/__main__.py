"""The ``ketasim`` command-line program (console script), the same as the Rust binary:
``ketasim run iv-infusion``, ``python -m ketasim list``."""

from __future__ import annotations

import signal
import sys


def main() -> None:
    """Run the command line with ``sys.argv`` and exit with its exit code."""
    from ketasim import _ketasim

    # The Rust side handles Ctrl-C and SIGTERM as the binary does (stop cleanly, exit 130/143);
    # Python's own handler must not turn them into a KeyboardInterrupt as well.
    for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    args = sys.argv[1:]
    if args[:1] == ["sweep"] and any(a == "--slurm" or a.startswith("--slurm=") for a in args):
        # The SLURM script calls the running executable, which here is the Python interpreter.
        sys.stderr.write("error: `ketasim sweep --slurm` needs the ketasim binary (`cargo build --release`, then "
                         "target/release/ketasim sweep ... --slurm N): the script it writes calls the running "
                         "program, which for this pip-installed command is the Python interpreter\n")
        sys.exit(2)
    sys.stdout.flush()
    code = _ketasim.cli_main(["ketasim", *args])
    sys.exit(code)


if __name__ == "__main__":
    main()
