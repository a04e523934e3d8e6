"""A single firing-rate neuron exciting itself (reference report, Section 1).

dr/dt = -r + f(w r + I),  f(s) = 60 (1 + tanh s)  [spikes/s]
"""

import sympy as sp

from dynsys import Model, symbols

r, w, I = symbols("r w I")


def f(s):
    """Activation: 0 to 120 spikes/s, f(0) = 60."""
    return 60 * (1 + sp.tanh(s))


model = Model(
    {r: -r + f(w * r + I)},
    params={w: 0.05, I: -3},
    name="self_excitation",
    region={r: (0, 120)},
    init={r: 59},
    options={"dt": 0.1, "total": 20},
    units={r: "spikes/s"},
    description="Single neuron with self-excitation; bistable for w = 0.05, I = -3.",
)
