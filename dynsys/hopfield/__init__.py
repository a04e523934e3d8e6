"""Hopfield associative memories: patterns, the network (a System), its energy, fixed
points, recall, and storage capacity.
"""

from dynsys.hopfield.capacity import (
    AGS_CAPACITY as AGS_CAPACITY,
    CapacityCurve as CapacityCurve,
    CapacityPoint as CapacityPoint,
    ErrorCorrectionCurve as ErrorCorrectionCurve,
    ScalingResult as ScalingResult,
    capacity_curve as capacity_curve,
    error_correction_curve as error_correction_curve,
    mceliece_limits as mceliece_limits,
    scaling_curves as scaling_curves,
    wilson_interval as wilson_interval,
)
from dynsys.hopfield.energy import (
    EnergyLandscape as EnergyLandscape,
    antiderivative as antiderivative,
    classic_energy as classic_energy,
    energy as energy,
    energy_landscape as energy_landscape,
)
from dynsys.hopfield.fixed_points import (
    FixedPoint as FixedPoint,
    HopfieldFixedPoints as HopfieldFixedPoints,
    classify_state as classify_state,
    find_fixed_points as find_fixed_points,
)
from dynsys.hopfield.network import (
    Activation as Activation,
    HopfieldNetwork as HopfieldNetwork,
    StateVerdict as StateVerdict,
    UpdateRule as UpdateRule,
    candidate_states as candidate_states,
    euler_run as euler_run,
)
from dynsys.hopfield.patterns import (
    PATTERN_NAMES as PATTERN_NAMES,
    SMILEY as SMILEY,
    X_PATTERN as X_PATTERN,
    as_patterns as as_patterns,
    flip_bits as flip_bits,
    flip_count as flip_count,
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

__all__ = [
    "AGS_CAPACITY",
    "PATTERN_NAMES",
    "SMILEY",
    "X_PATTERN",
    "Activation",
    "CapacityCurve",
    "CapacityPoint",
    "EnergyLandscape",
    "ErrorCorrectionCurve",
    "FixedPoint",
    "HopfieldFixedPoints",
    "HopfieldNetwork",
    "RecallProtocol",
    "RecallResult",
    "ScalingResult",
    "StateVerdict",
    "UpdateRule",
    "antiderivative",
    "as_patterns",
    "candidate_states",
    "capacity_curve",
    "classic_energy",
    "classify_state",
    "energy",
    "energy_landscape",
    "error_correction_curve",
    "euler_run",
    "find_fixed_points",
    "flip_bits",
    "flip_count",
    "from_image",
    "mceliece_limits",
    "named_pattern",
    "overlaps",
    "random_patterns",
    "recall",
    "scaling_curves",
    "wilson_interval",
]
