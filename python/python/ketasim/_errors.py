"""The exceptions of ketasim (raised by the Rust extension, defined here so they are plain Python)."""

from __future__ import annotations

from typing import Optional


class KetasimError(Exception):
    """Base class of every ketasim error."""


class InputError(KetasimError, ValueError):
    """Bad input: the scenario (unknown key, value out of range, invalid TOML), an override, an
    argument, or the output directory. The command line exits with code 2 for these.

    ``str(err)`` is the message the command line prints after ``error:``; the parts are in
    ``file`` (the scenario file, ``bundled:NAME`` for a bundled scenario, ``<string>``/``<dict>``
    for TOML text or a dict), ``key`` (the dotted key path, e.g. ``dose.0.mg_per_kg``), and
    ``line``/``column`` (1-based, where known); ``message`` is the text without the location.
    """

    def __init__(self, text: str, message: Optional[str] = None, file: Optional[str] = None,
                 key: Optional[str] = None, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(text)
        self.message = message if message is not None else text
        self.file = file
        self.key = key
        self.line = line
        self.column = column


class InternalError(KetasimError, RuntimeError):
    """ketasim itself failed (e.g. an I/O error while writing results). Exit code 1 on the command line."""


class NumericalError(InternalError):
    """A numerical guard stopped the run: a state variable became NaN, infinite or left its
    physical range. The message names the stage, the variable, the time and the value; the parts
    are in ``stage`` (``pk``, ``nmda``, …, ``trace``), ``variable`` (e.g. ``glutamate_rel``),
    ``t_h`` (simulated hours) and ``value``."""

    def __init__(self, text: str, stage: Optional[str] = None, variable: Optional[str] = None,
                 t_h: Optional[float] = None, value: Optional[float] = None):
        super().__init__(text)
        self.stage = stage
        self.variable = variable
        self.t_h = t_h
        self.value = value


class Cancelled(KetasimError):
    """The run was stopped through its :class:`ketasim.CancelToken` (Ctrl-C raises
    ``KeyboardInterrupt`` instead). ``signal`` is the signal number recorded (2, as Ctrl-C)."""

    def __init__(self, text: str, signal: int = 2):
        super().__init__(text)
        self.signal = signal
