"""dynsys: equilibria, stability, phase planes, continuation, noise and Hopfield networks
for firing-rate models, with LaTeX tables and figures.

The architecture runs one way: a symbolic :class:`Model` is compiled into a numeric
:class:`System`; analyses take a System and return frozen result objects;
presentation (LaTeX, JSON, figures, CLI, reports) turns results into output.
``import dynsys`` never imports pyplot.
"""

from dynsys.errors import ConvergenceError, DynsysError, ModelError, SimulationError
from dynsys.model import Model, heav, load_model, model_names, symbols, time_symbol
from dynsys.system import CompiledSystem, System, compile, resolve_params

__version__ = "0.1.0"

__all__ = [
    "CompiledSystem",
    "ConvergenceError",
    "DynsysError",
    "Model",
    "ModelError",
    "SimulationError",
    "System",
    "__version__",
    "compile",
    "heav",
    "load_model",
    "model_names",
    "resolve_params",
    "symbols",
    "time_symbol",
]
