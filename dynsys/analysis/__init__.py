"""Analyses of one system with its parameters fixed: equilibria, stability, simulation,
phase planes and the 1-D flux.
"""

from dynsys.analysis.certify import (
    BoxSearch as BoxSearch,
    CertifiedRoot as CertifiedRoot,
    certify_box as certify_box,
)
from dynsys.analysis.continua import (
    Continuum as Continuum,
)
from dynsys.analysis.equilibria import (
    Equilibria as Equilibria,
    find_equilibria as find_equilibria,
)
from dynsys.analysis.equilibrium import (
    Equilibrium as Equilibrium,
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
    RK4 as RK4,
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
    classify_map as classify_map,
    kind_label as kind_label,
    on_axis as on_axis,
    sorted_eig as sorted_eig,
    sorted_eigenvalues as sorted_eigenvalues,
    stability as stability,
    stable_mask as stable_mask,
    unstable_dimension as unstable_dimension,
    unstable_mask as unstable_mask,
)

__all__ = [
    "RK4",
    "TOL_EQUAL",
    "TOL_HYPERBOLIC",
    "ActivationCurve",
    "Adaptive",
    "BasinMap",
    "BoxSearch",
    "CertifiedRoot",
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
    "certify_box",
    "classify",
    "classify_map",
    "direction_field",
    "find_equilibria",
    "flux",
    "kind_label",
    "linearize",
    "nullclines",
    "on_axis",
    "phase_plane",
    "separatrices",
    "simulate",
    "sorted_eig",
    "sorted_eigenvalues",
    "stability",
    "stable_mask",
    "trajectories",
    "unstable_dimension",
    "unstable_mask",
]
