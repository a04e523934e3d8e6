"""The few exceptions dynsys raises.

Every error a user can cause derives from :class:`DynsysError`; the CLI turns any
of them into one line ``error: <message>`` on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = ["ConvergenceError", "DynsysError", "ModelError", "SimulationError"]


class DynsysError(Exception):
    """Base class of every error dynsys raises on purpose."""


class ModelError(DynsysError, ValueError):
    """A model declaration, model text or user-supplied value is invalid.

    The message names the offending equation, symbol, line or value.
    """


class ConvergenceError(DynsysError, RuntimeError):
    """A numerical solver gave up.

    Attributes
    ----------
    last_iterate : object
        The last iterate the solver reached, for diagnosis (never to be used as a result).
    history : tuple of float
        Residual norms, one per iteration, where the solver records them.
    """

    def __init__(self, message: str, *, last_iterate: object = None, history: tuple = ()) -> None:
        super().__init__(message)
        self.last_iterate = last_iterate
        self.history = tuple(history)


class SimulationError(DynsysError, ArithmeticError):
    """A simulated state became non-finite.

    Attributes
    ----------
    step : int
        Index of the first step whose result is not finite.
    trajectory : int
        Index of the first offending trajectory in the batch.
    """

    def __init__(self, message: str, *, step: int = -1, trajectory: int = -1) -> None:
        super().__init__(message)
        self.step = step
        self.trajectory = trajectory
