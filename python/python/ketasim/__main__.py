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
    sys.stdout.flush()
    code = _ketasim.cli_main(["ketasim", *sys.argv[1:]])
    sys.exit(code)


if __name__ == "__main__":
    main()
