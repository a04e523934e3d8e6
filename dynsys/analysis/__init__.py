"""Analyses of one system with its parameters fixed: equilibria, stability, simulation,
phase planes and the 1-D flux.
"""

from dynsys.analysis.continua import Continuum as Continuum
from dynsys.analysis.equilibria import (
    Equilibria as Equilibria,
    Equilibrium as Equilibrium,
    find_equilibria as find_equilibria,
    linearize as linearize,
)
from dynsys.analysis.flux import (
    ActivationCurve as ActivationCurve,
    Flux as Flux,
    activation_curve as activation_curve,
    flux as flux,
)
from dynsys.analysis.phase_plane import (
    BasinMap as BasinMap,
    DirectionField as DirectionField,
    Nullcline as Nullcline,
    PhasePlane as PhasePlane,
    Separatrix as Separatrix,
    basin_map as basin_map,
    direction_field as direction_field,
    nullclines as nullclines,
    phase_plane as phase_plane,
    separatrices as separatrices,
    trajectories as trajectories,
)
from dynsys.analysis.simulate import (
    Adaptive as Adaptive,
    Euler as Euler,
    EulerMaruyama as EulerMaruyama,
    Trajectory as Trajectory,
    as_method as as_method,
    simulate as simulate,
)
from dynsys.analysis.stability import (
    TOL_EQUAL as TOL_EQUAL,
    TOL_HYPERBOLIC as TOL_HYPERBOLIC,
    Kind as Kind,
    Stability as Stability,
    classify as classify,
    kind_label as kind_label,
    sorted_eig as sorted_eig,
    stability as stability,
)

__all__ = [
    "TOL_EQUAL",
    "TOL_HYPERBOLIC",
    "ActivationCurve",
    "Adaptive",
    "BasinMap",
    "Continuum",
    "DirectionField",
    "Equilibria",
    "Equilibrium",
    "Euler",
    "EulerMaruyama",
    "Flux",
    "Kind",
    "Nullcline",
    "PhasePlane",
    "Separatrix",
    "Stability",
    "Trajectory",
    "activation_curve",
    "as_method",
    "basin_map",
    "classify",
    "direction_field",
    "find_equilibria",
    "flux",
    "kind_label",
    "linearize",
    "nullclines",
    "phase_plane",
    "separatrices",
    "simulate",
    "sorted_eig",
    "stability",
    "trajectories",
]
