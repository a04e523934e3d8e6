"""Wilson-Cowan excitatory-inhibitory population pair (Wilson & Cowan 1972).

tau_e dE/dt = -E + S(w_ee E - w_ei I_pop + P),  tau_i dI/dt = -I + S(w_ie E - w_ii I + Q),
with the logistic S(s) = 1 / (1 + exp(-a (s - theta))) shifted so that S(0) = 0.
The drive P moves the system through a supercritical Hopf bifurcation
(Borisyuk & Kirillov 1992 style parameters).
"""

import sympy as sp

from dynsys import Model, symbols

E, Ipop = symbols("E Ipop")
w_ee, w_ei, w_ie, w_ii, P, Q, a_e, th_e, a_i, th_i, tau = symbols(
    "w_ee w_ei w_ie w_ii P Q a_e theta_e a_i theta_i tau"
)


def S(s, a, theta):
    """Logistic response, shifted so that S(0) = 0."""
    return 1 / (1 + sp.exp(-a * (s - theta))) - 1 / (1 + sp.exp(a * theta))


model = Model(
    {
        E: -E + S(w_ee * E - w_ei * Ipop + P, a_e, th_e),
        Ipop: (-Ipop + S(w_ie * E - w_ii * Ipop + Q, a_i, th_i)) / tau,
    },
    params={
        w_ee: 16, w_ei: 12, w_ie: 15, w_ii: 3, P: 1.25, Q: 0,
        a_e: 1.3, th_e: 4, a_i: 2, th_i: 3.7, tau: 1,
    },
    name="wilson_cowan",
    region={E: (-0.1, 1.0), Ipop: (-0.1, 1.0)},
    init={E: 0.1, Ipop: 0.05},
    options={"dt": 0.05, "total": 100},
    description="Excitatory-inhibitory population pair (Wilson-Cowan); oscillates via a Hopf.",
)
