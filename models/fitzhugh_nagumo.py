"""FitzHugh-Nagumo neuron (FitzHugh 1961; Nagumo, Arimoto & Yoshizawa 1962).

dv/dt = v - v^3/3 - w + I,  dw/dt = eps (v + a - b w)
The equilibrium curve loses stability in Hopf bifurcations where trace J = 0,
i.e. 1 - v^2 = eps b, as the applied current I varies.
"""

from dynsys import Model, symbols

v, w, I, a, b, eps = symbols("v w I a b eps")

model = Model(
    {v: v - v**3 / 3 - w + I, w: eps * (v + a - b * w)},
    params={I: 0.5, a: 0.7, b: 0.8, eps: 0.08},
    name="fitzhugh_nagumo",
    region={v: (-2.5, 2.5), w: (-1.5, 2.5)},
    init={v: -1.0, w: 1.0},
    options={"dt": 0.05, "total": 200},
    description="FitzHugh-Nagumo excitable neuron; repetitive firing between two Hopf points.",
)
