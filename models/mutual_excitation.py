"""Two firing-rate neurons exciting each other (reference report, Section 2).

dx/dt = -x + f(w2 y + I),  dy/dt = -y + f(w1 x + I),  f(s) = 50 / (1 + exp(-s))
"""

import sympy as sp

from dynsys import Model, symbols

x, y, w1, w2, I = symbols("x y w1 w2 I")


def f(s):
    """Logistic activation: 0 to 50 spikes/s."""
    return 50 / (1 + sp.exp(-s))


model = Model(
    {x: -x + f(w2 * y + I), y: -y + f(w1 * x + I)},
    params={w1: 0.4, w2: 0.4, I: -10},
    name="mutual_excitation",
    region={x: (0, 50), y: (0, 50)},
    init={x: 45, y: 45},
    options={"dt": 0.1, "total": 20},
    units={x: "spikes/s", y: "spikes/s"},
    description="Two neurons with mutual excitation; bistable with a saddle at (25, 25).",
)
