"""Noise: the potential of a 1-D gradient system and Kramers' escape time
(:mod:`~dynsys.noise.potential`), and switching measured by simulation
(:mod:`~dynsys.noise.switching`).
"""

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

__all__ = [
    "Barrier",
    "KramersEstimate",
    "Potential",
    "ResidenceEstimate",
    "ResidenceScan",
    "SwitchingStatistics",
    "kramers",
    "kramers_time",
    "potential",
    "residence_scan",
    "switching_statistics",
]
