"""dynsys: equilibria, stability, phase planes, continuation, noise and Hopfield networks
for firing-rate models, with LaTeX tables and figures.

The architecture runs one way: a symbolic :class:`Model` is compiled into a numeric
:class:`System` (:mod:`dynsys.core`); analyses take a System and return frozen result
objects (:mod:`dynsys.analysis`, :mod:`dynsys.bifurcation`, :mod:`dynsys.noise`,
:mod:`dynsys.hopfield`); presentation (:mod:`dynsys.latex`, :mod:`dynsys.plots`,
:mod:`dynsys.report`, the CLI) turns results into output.

Every public name below is importable from ``dynsys`` itself. They are loaded on first
use (PEP 562), so that ``import dynsys`` and ``dynsys --help`` do not pay for sympy and
scipy until a name that needs them is touched. ``import dynsys`` never imports pyplot.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "__version__": "dynsys._version",
    # dynsys.errors
    "ConvergenceError": "dynsys.errors",
    "DynsysError": "dynsys.errors",
    "ModelError": "dynsys.errors",
    "SimulationError": "dynsys.errors",
    # dynsys.core.symbols
    "heav": "dynsys.core.symbols",
    "symbols": "dynsys.core.symbols",
    "time_symbol": "dynsys.core.symbols",
    # dynsys.core.model
    "Model": "dynsys.core.model",
    # dynsys.core.loading
    "load_model": "dynsys.core.loading",
    "model_names": "dynsys.core.loading",
    # dynsys.core.system
    "CompiledSystem": "dynsys.core.system",
    "System": "dynsys.core.system",
    "compile": "dynsys.core.system",
    "resolve_params": "dynsys.core.system",
    # dynsys.core.rate_network
    "RateNetwork": "dynsys.core.rate_network",
    # dynsys.analysis.stability
    "Kind": "dynsys.analysis.stability",
    "Stability": "dynsys.analysis.stability",
    "classify": "dynsys.analysis.stability",
    "stability": "dynsys.analysis.stability",
    # dynsys.analysis.simulate
    "Adaptive": "dynsys.analysis.simulate",
    "Euler": "dynsys.analysis.simulate",
    "EulerMaruyama": "dynsys.analysis.simulate",
    "Trajectory": "dynsys.analysis.simulate",
    "simulate": "dynsys.analysis.simulate",
    # dynsys.analysis.continua
    "Continuum": "dynsys.analysis.continua",
    # dynsys.analysis.equilibria
    "Equilibria": "dynsys.analysis.equilibria",
    "Equilibrium": "dynsys.analysis.equilibria",
    "find_equilibria": "dynsys.analysis.equilibria",
    "linearize": "dynsys.analysis.equilibria",
    # dynsys.analysis.phase_plane
    "BasinMap": "dynsys.analysis.phase_plane",
    "DirectionField": "dynsys.analysis.phase_plane",
    "Nullcline": "dynsys.analysis.phase_plane",
    "PhasePlane": "dynsys.analysis.phase_plane",
    "Separatrix": "dynsys.analysis.phase_plane",
    "basin_map": "dynsys.analysis.phase_plane",
    "direction_field": "dynsys.analysis.phase_plane",
    "nullclines": "dynsys.analysis.phase_plane",
    "phase_plane": "dynsys.analysis.phase_plane",
    "separatrices": "dynsys.analysis.phase_plane",
    # dynsys.analysis.flux
    "ActivationCurve": "dynsys.analysis.flux",
    "Flux": "dynsys.analysis.flux",
    "activation_curve": "dynsys.analysis.flux",
    "flux": "dynsys.analysis.flux",
    # dynsys.bifurcation.points
    "PointType": "dynsys.bifurcation.points",
    "SpecialPoint": "dynsys.bifurcation.points",
    # dynsys.bifurcation.continuation
    "Branch": "dynsys.bifurcation.continuation",
    "ContinuationSettings": "dynsys.bifurcation.continuation",
    "continue_equilibria": "dynsys.bifurcation.continuation",
    # dynsys.bifurcation.codim2
    "Curve": "dynsys.bifurcation.codim2",
    "continue_fold": "dynsys.bifurcation.codim2",
    "continue_hopf": "dynsys.bifurcation.codim2",
    # dynsys.bifurcation.diagram
    "BifurcationDiagram": "dynsys.bifurcation.diagram",
    "bifurcation_diagram": "dynsys.bifurcation.diagram",
    # dynsys.bifurcation.cycles
    "Cycle": "dynsys.bifurcation.cycles",
    "CycleSettings": "dynsys.bifurcation.cycles",
    "find_cycle": "dynsys.bifurcation.cycles",
    # dynsys.bifurcation.cycle_branch
    "CycleBranch": "dynsys.bifurcation.cycle_branch",
    "continue_cycles": "dynsys.bifurcation.cycle_branch",
    # dynsys.bifurcation.simulated_cycles
    "CycleSamples": "dynsys.bifurcation.simulated_cycles",
    "simulated_cycles": "dynsys.bifurcation.simulated_cycles",
    # dynsys.bifurcation.region_map
    "RegionMap": "dynsys.bifurcation.region_map",
    "region_map": "dynsys.bifurcation.region_map",
    # dynsys.bifurcation.two_parameter
    "TwoParameterDiagram": "dynsys.bifurcation.two_parameter",
    "two_parameter_diagram": "dynsys.bifurcation.two_parameter",
    # dynsys.noise.potential
    "Barrier": "dynsys.noise.potential",
    "KramersEstimate": "dynsys.noise.potential",
    "Potential": "dynsys.noise.potential",
    "kramers": "dynsys.noise.potential",
    "kramers_time": "dynsys.noise.potential",
    "potential": "dynsys.noise.potential",
    # dynsys.noise.switching
    "ResidenceEstimate": "dynsys.noise.switching",
    "ResidenceScan": "dynsys.noise.switching",
    "SwitchingStatistics": "dynsys.noise.switching",
    "residence_scan": "dynsys.noise.switching",
    "switching_statistics": "dynsys.noise.switching",
    # dynsys.hopfield.patterns
    "flip_bits": "dynsys.hopfield.patterns",
    "from_image": "dynsys.hopfield.patterns",
    "named_pattern": "dynsys.hopfield.patterns",
    "overlaps": "dynsys.hopfield.patterns",
    "random_patterns": "dynsys.hopfield.patterns",
    # dynsys.hopfield.network
    "Activation": "dynsys.hopfield.network",
    "HopfieldNetwork": "dynsys.hopfield.network",
    "UpdateRule": "dynsys.hopfield.network",
    # dynsys.hopfield.energy
    "energy": "dynsys.hopfield.energy",
    "energy_landscape": "dynsys.hopfield.energy",
    # dynsys.hopfield.fixed_points
    "classify_state": "dynsys.hopfield.fixed_points",
    "find_fixed_points": "dynsys.hopfield.fixed_points",
    # dynsys.hopfield.recall
    "RecallProtocol": "dynsys.hopfield.recall",
    "RecallResult": "dynsys.hopfield.recall",
    "recall": "dynsys.hopfield.recall",
    # dynsys.hopfield.capacity
    "CapacityCurve": "dynsys.hopfield.capacity",
    "capacity_curve": "dynsys.hopfield.capacity",
    "error_correction_curve": "dynsys.hopfield.capacity",
    "scaling_curves": "dynsys.hopfield.capacity",
    "wilson_interval": "dynsys.hopfield.capacity",
    # dynsys.sweep
    "executor_from": "dynsys.sweep",
    "run_tasks": "dynsys.sweep",
    "sweep_grid": "dynsys.sweep",
    # dynsys.report
    "Claim": "dynsys.report",
    "Report": "dynsys.report",
    "load_recipe": "dynsys.report",
    "recipe_names": "dynsys.report",
    "run_report": "dynsys.report",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # static analysers and IDEs see ordinary imports
    from dynsys._version import __version__ as __version__
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
    )
    from dynsys.analysis.simulate import (
        Adaptive as Adaptive,
        Euler as Euler,
        EulerMaruyama as EulerMaruyama,
        Trajectory as Trajectory,
        simulate as simulate,
    )
    from dynsys.analysis.stability import (
        Kind as Kind,
        Stability as Stability,
        classify as classify,
        stability as stability,
    )
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
        bifurcation_diagram as bifurcation_diagram,
    )
    from dynsys.bifurcation.points import PointType as PointType, SpecialPoint as SpecialPoint
    from dynsys.bifurcation.region_map import RegionMap as RegionMap, region_map as region_map
    from dynsys.bifurcation.simulated_cycles import (
        CycleSamples as CycleSamples,
        simulated_cycles as simulated_cycles,
    )
    from dynsys.bifurcation.two_parameter import (
        TwoParameterDiagram as TwoParameterDiagram,
        two_parameter_diagram as two_parameter_diagram,
    )
    from dynsys.core.loading import load_model as load_model, model_names as model_names
    from dynsys.core.model import Model as Model
    from dynsys.core.rate_network import RateNetwork as RateNetwork
    from dynsys.core.symbols import heav as heav, symbols as symbols, time_symbol as time_symbol
    from dynsys.core.system import (
        CompiledSystem as CompiledSystem,
        System as System,
        compile as compile,
        resolve_params as resolve_params,
    )
    from dynsys.errors import (
        ConvergenceError as ConvergenceError,
        DynsysError as DynsysError,
        ModelError as ModelError,
        SimulationError as SimulationError,
    )
    from dynsys.hopfield.capacity import (
        CapacityCurve as CapacityCurve,
        capacity_curve as capacity_curve,
        error_correction_curve as error_correction_curve,
        scaling_curves as scaling_curves,
        wilson_interval as wilson_interval,
    )
    from dynsys.hopfield.energy import energy as energy, energy_landscape as energy_landscape
    from dynsys.hopfield.fixed_points import (
        classify_state as classify_state,
        find_fixed_points as find_fixed_points,
    )
    from dynsys.hopfield.network import (
        Activation as Activation,
        HopfieldNetwork as HopfieldNetwork,
        UpdateRule as UpdateRule,
    )
    from dynsys.hopfield.patterns import (
        flip_bits as flip_bits,
        from_image as from_image,
        named_pattern as named_pattern,
        overlaps as overlaps,
        random_patterns as random_patterns,
    )
    from dynsys.hopfield.recall import (
        RecallProtocol as RecallProtocol,
        RecallResult as RecallResult,
        recall as recall,
    )
    from dynsys.noise.potential import (
        Barrier as Barrier,
        KramersEstimate as KramersEstimate,
        Potential as Potential,
        kramers as kramers,
        kramers_time as kramers_time,
        potential as potential,
    )
    from dynsys.noise.switching import (
        ResidenceEstimate as ResidenceEstimate,
        ResidenceScan as ResidenceScan,
        SwitchingStatistics as SwitchingStatistics,
        residence_scan as residence_scan,
        switching_statistics as switching_statistics,
    )
    from dynsys.report import (
        Claim as Claim,
        Report as Report,
        load_recipe as load_recipe,
        recipe_names as recipe_names,
        run_report as run_report,
    )
    from dynsys.sweep import (
        executor_from as executor_from,
        run_tasks as run_tasks,
        sweep_grid as sweep_grid,
    )


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562) and cache the name."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dynsys' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
