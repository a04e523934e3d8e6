"""Parameters varied: branches of equilibria by pseudo-arclength continuation, their
special points and normal forms, fold and Hopf curves in two parameters, automatic
diagrams, region maps, periodic orbits (found by collocation and continued, with their
Floquet multipliers) and simulated cycles.
"""

from dynsys.bifurcation.codim2 import (
    Curve as Curve,
    continue_fold as continue_fold,
    continue_hopf as continue_hopf,
)
from dynsys.bifurcation.continuation import (
    Branch as Branch,
    ContinuationSettings as ContinuationSettings,
    continue_equilibria as continue_equilibria,
)
from dynsys.bifurcation.cycle_branch import (
    CycleBranch as CycleBranch,
    continue_cycles as continue_cycles,
)
from dynsys.bifurcation.cycles import (
    Cycle as Cycle,
    CycleSettings as CycleSettings,
    find_cycle as find_cycle,
)
from dynsys.bifurcation.diagram import (
    BifurcationDiagram as BifurcationDiagram,
    SkippedStart as SkippedStart,
    bifurcation_diagram as bifurcation_diagram,
    hopf_cycle_branches as hopf_cycle_branches,
    latex_table as latex_table,
)
from dynsys.bifurcation.locate import (
    CONTINUUM_NOTE as CONTINUUM_NOTE,
    BorderedFold as BorderedFold,
    illinois as illinois,
    locate_fold as locate_fold,
    locate_hopf as locate_hopf,
    locate_special_points as locate_special_points,
    refine_branch_point as refine_branch_point,
    reindex_points as reindex_points,
    zero_throughout as zero_throughout,
)
from dynsys.bifurcation.normal_forms import (
    FoldCoefficients as FoldCoefficients,
    HopfCoefficients as HopfCoefficients,
    fold_coefficients as fold_coefficients,
    hopf_coefficients as hopf_coefficients,
)
from dynsys.bifurcation.points import (
    PointType as PointType,
    SpecialPoint as SpecialPoint,
)
from dynsys.bifurcation.region_map import (
    RegionMap as RegionMap,
    region_map as region_map,
)
from dynsys.bifurcation.simulated_cycles import (
    CycleSamples as CycleSamples,
    simulated_cycles as simulated_cycles,
)
from dynsys.bifurcation.two_parameter import (
    TwoParameterDiagram as TwoParameterDiagram,
    two_parameter_diagram as two_parameter_diagram,
)

__all__ = [
    "CONTINUUM_NOTE",
    "BifurcationDiagram",
    "BorderedFold",
    "Branch",
    "ContinuationSettings",
    "Curve",
    "Cycle",
    "CycleBranch",
    "CycleSamples",
    "CycleSettings",
    "FoldCoefficients",
    "HopfCoefficients",
    "PointType",
    "RegionMap",
    "SkippedStart",
    "SpecialPoint",
    "TwoParameterDiagram",
    "bifurcation_diagram",
    "continue_cycles",
    "continue_equilibria",
    "continue_fold",
    "continue_hopf",
    "find_cycle",
    "fold_coefficients",
    "hopf_coefficients",
    "hopf_cycle_branches",
    "illinois",
    "latex_table",
    "locate_fold",
    "locate_hopf",
    "locate_special_points",
    "refine_branch_point",
    "region_map",
    "reindex_points",
    "simulated_cycles",
    "two_parameter_diagram",
    "zero_throughout",
]
