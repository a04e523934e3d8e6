"""dynsys: equilibria, stability, phase planes, continuation, noise and Hopfield networks
for firing-rate models, with LaTeX tables and figures.

The architecture runs one way: a symbolic :class:`Model` is compiled into a numeric
:class:`System`; analyses take a System and return frozen result objects;
presentation (LaTeX, JSON, figures, CLI, reports) turns results into output.
``import dynsys`` never imports pyplot.
"""

from dynsys.bifurcation_diagram import (
    BifurcationDiagram,
    CycleSamples,
    bifurcation_diagram,
    simulated_cycles,
)
from dynsys.codim2 import Curve, continue_fold, continue_hopf
from dynsys.continuation import (
    Branch,
    ContinuationSettings,
    PointType,
    SpecialPoint,
    continue_equilibria,
)
from dynsys.equilibria import Equilibria, Equilibrium, find_equilibria, linearize
from dynsys.errors import ConvergenceError, DynsysError, ModelError, SimulationError
from dynsys.flux import ActivationCurve, Flux, activation_curve, flux
from dynsys.model import Model, heav, load_model, model_names, symbols, time_symbol
from dynsys.phase_plane import (
    BasinMap,
    DirectionField,
    Nullcline,
    PhasePlane,
    Separatrix,
    basin_map,
    direction_field,
    nullclines,
    phase_plane,
    separatrices,
)
from dynsys.region_map import RegionMap, region_map
from dynsys.simulate import Adaptive, Euler, EulerMaruyama, Trajectory, simulate
from dynsys.stability import Kind, Stability, classify, stability
from dynsys.system import CompiledSystem, System, compile, resolve_params

__version__ = "0.1.0"

__all__ = [
    "ActivationCurve",
    "Adaptive",
    "BasinMap",
    "BifurcationDiagram",
    "Branch",
    "CompiledSystem",
    "ContinuationSettings",
    "ConvergenceError",
    "Curve",
    "CycleSamples",
    "DirectionField",
    "DynsysError",
    "Equilibria",
    "Equilibrium",
    "Euler",
    "EulerMaruyama",
    "Flux",
    "Kind",
    "Model",
    "ModelError",
    "Nullcline",
    "PhasePlane",
    "PointType",
    "RegionMap",
    "Separatrix",
    "SimulationError",
    "SpecialPoint",
    "Stability",
    "System",
    "Trajectory",
    "__version__",
    "activation_curve",
    "basin_map",
    "bifurcation_diagram",
    "classify",
    "compile",
    "continue_equilibria",
    "continue_fold",
    "continue_hopf",
    "direction_field",
    "find_equilibria",
    "flux",
    "heav",
    "linearize",
    "load_model",
    "model_names",
    "nullclines",
    "phase_plane",
    "region_map",
    "resolve_params",
    "separatrices",
    "simulate",
    "simulated_cycles",
    "stability",
    "symbols",
    "time_symbol",
]
