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
from dynsys.capacity import (
    CapacityCurve,
    RecallProtocol,
    capacity_curve,
    error_correction_curve,
    scaling_curves,
    wilson_interval,
)
from dynsys.codim2 import Curve, continue_fold, continue_hopf
from dynsys.continuation import (
    Branch,
    ContinuationSettings,
    PointType,
    SpecialPoint,
    continue_equilibria,
)
from dynsys.energy import energy, energy_landscape
from dynsys.equilibria import Equilibria, Equilibrium, find_equilibria, linearize
from dynsys.errors import ConvergenceError, DynsysError, ModelError, SimulationError
from dynsys.flux import ActivationCurve, Flux, activation_curve, flux
from dynsys.hopfield import Activation, HopfieldNetwork, UpdateRule
from dynsys.hopfield_attractors import classify_state, find_fixed_points
from dynsys.model import Model, heav, load_model, model_names, symbols, time_symbol
from dynsys.noise import (
    Barrier,
    KramersEstimate,
    Potential,
    ResidenceEstimate,
    ResidenceScan,
    SwitchingStatistics,
    kramers,
    kramers_time,
    potential,
    residence_scan,
    switching_statistics,
)
from dynsys.patterns import flip_bits, from_image, named_pattern, overlaps, random_patterns
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
from dynsys.recall import RecallResult, recall
from dynsys.region_map import RegionMap, region_map
from dynsys.report import Claim, Report, load_recipe, recipe_names, run_report
from dynsys.simulate import Adaptive, Euler, EulerMaruyama, Trajectory, simulate
from dynsys.stability import Kind, Stability, classify, stability
from dynsys.sweep import executor_from, run_tasks, sweep_grid
from dynsys.system import CompiledSystem, System, compile, resolve_params

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "ActivationCurve",
    "Adaptive",
    "Barrier",
    "BasinMap",
    "BifurcationDiagram",
    "Branch",
    "CapacityCurve",
    "Claim",
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
    "HopfieldNetwork",
    "Kind",
    "KramersEstimate",
    "Model",
    "ModelError",
    "Nullcline",
    "PhasePlane",
    "PointType",
    "Potential",
    "RecallProtocol",
    "RecallResult",
    "RegionMap",
    "Report",
    "ResidenceEstimate",
    "ResidenceScan",
    "Separatrix",
    "SimulationError",
    "SpecialPoint",
    "Stability",
    "SwitchingStatistics",
    "System",
    "Trajectory",
    "UpdateRule",
    "__version__",
    "activation_curve",
    "basin_map",
    "bifurcation_diagram",
    "capacity_curve",
    "classify",
    "classify_state",
    "compile",
    "continue_equilibria",
    "continue_fold",
    "continue_hopf",
    "direction_field",
    "energy",
    "energy_landscape",
    "error_correction_curve",
    "executor_from",
    "find_equilibria",
    "find_fixed_points",
    "flip_bits",
    "flux",
    "from_image",
    "heav",
    "kramers",
    "kramers_time",
    "linearize",
    "load_model",
    "load_recipe",
    "model_names",
    "named_pattern",
    "nullclines",
    "overlaps",
    "phase_plane",
    "potential",
    "random_patterns",
    "recall",
    "recipe_names",
    "region_map",
    "residence_scan",
    "resolve_params",
    "run_report",
    "run_tasks",
    "scaling_curves",
    "separatrices",
    "simulate",
    "simulated_cycles",
    "stability",
    "sweep_grid",
    "switching_statistics",
    "symbols",
    "time_symbol",
    "wilson_interval",
]
