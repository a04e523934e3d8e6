"""Wilson-Cowan excitatory-inhibitory population pair (Wilson & Cowan 1972).

dE/dt = -E + (k_e - E) S_e(w_ee E - w_ei Ipop + P)
tau dIpop/dt = -Ipop + (k_i - Ipop) S_i(w_ie E - w_ii Ipop + Q)

with the logistic S(s) = 1 / (1 + exp(-a (s - theta))) - 1 / (1 + exp(a theta)),
shifted so that S(0) = 0, and k = 1 - 1 / (1 + exp(a theta)) its supremum (the
refractory factor). The parameters are Wilson & Cowan's limit-cycle set: as the drive
P increases the low state disappears in a fold near P = 1.09 and the activity
oscillates; the oscillation shrinks and dies in a supercritical Hopf bifurcation
near P = 1.88 (first Lyapunov coefficient about -10).

Simulate its oscillations with an accurate method (``method="rk45"``): near the Hopf
point forward Euler adds a spurious growth rate of about dt * omega^2 / 2 (omega ~ 2.7)
that makes the stable focus look like a limit cycle.
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


def k(a, theta):
    """Supremum of S: the refractory factor's ceiling."""
    return 1 - 1 / (1 + sp.exp(a * theta))


model = Model(
    {
        E: -E + (k(a_e, th_e) - E) * S(w_ee * E - w_ei * Ipop + P, a_e, th_e),
        Ipop: (-Ipop + (k(a_i, th_i) - Ipop) * S(w_ie * E - w_ii * Ipop + Q, a_i, th_i)) / tau,
    },
    params={
        w_ee: 16, w_ei: 12, w_ie: 15, w_ii: 3, P: 1.25, Q: 0,
        a_e: 1.3, th_e: 4, a_i: 2, th_i: 3.7, tau: 1,
    },
    name="wilson_cowan",
    region={E: (-0.1, 1.0), Ipop: (-0.1, 1.0)},
    init={E: 0.1, Ipop: 0.05},
    options={"dt": 0.01, "total": 100},
    description="Excitatory-inhibitory population pair (Wilson-Cowan 1972); "
    "oscillates between a fold and a supercritical Hopf in the drive P.",
)
