"""A sparse random excitatory-inhibitory rate network: 800 E and 200 I units.

    tau_E dx_i/dt = -x_i + f_E(g (W x)_i + I_i + I0)     (i an E unit, tau_E = 1)
    tau_I dx_i/dt = -x_i + f_I(g (W x)_i + I_i + I0)     (i an I unit, tau_I = 0.5)

with ``f_E(s) = 1 / (1 + exp(-s))``, ``f_I(s) = 1 / (1 + exp(-2 s))`` (steeper). Every
connection ``j -> i`` (``i != j``) exists with probability 0.1 (Erdős-Rényi, fixed seed
:data:`SEED`); by Dale's law every column of an E unit is non-negative and every
column of an I unit non-positive: ``W_ij = J_E u_ij`` from E and ``-J_I u_ij`` from I,
``u_ij`` uniform in ``[0.5, 1.5]``, ``J_E = 0.1``, ``J_I = 0.5`` (a unit gets about 80 E
inputs of total mean weight 8 and 20 I inputs of total mean weight -10: inhibition
dominated). The fixed inputs are ``I_i = -1 + 0.5 xi_i`` (E) and ``-2 + 0.5 xi_i`` (I),
``xi_i`` standard normal. At the default gain ``g = 1`` the network settles to a stable
equilibrium with heterogeneous rates; for ``g`` above about 3 its activity fluctuates
irregularly (the random-network transition of Sompolinsky, Crisanti and Sommers).

References
----------
C. van Vreeswijk and H. Sompolinsky, "Chaos in neuronal networks with balanced
excitatory and inhibitory activity", Science 274, 1724-1726 (1996).
H. Sompolinsky, A. Crisanti and H. J. Sommers, "Chaos in random neural networks",
Phys. Rev. Lett. 61, 259-262 (1988).
"""

import numpy as np
import scipy.sparse as sps
import sympy as sp

from dynsys import RateNetwork

N_E, N_I = 800, 200
DENSITY = 0.1
J_E, J_I = 0.1, 0.5
SEED = 20260101


def weights(n_e: int = N_E, n_i: int = N_I, density: float = DENSITY, seed: int = SEED,
            j_e: float = J_E, j_i: float = J_I) -> sps.csr_matrix:
    """The sparse W (CSR), Dale's law by columns, no self-connections."""
    rng = np.random.default_rng(seed)
    n = n_e + n_i
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    rows, cols = np.nonzero(mask)
    sign = np.where(cols < n_e, j_e, -j_i)
    values = sign * rng.uniform(0.5, 1.5, size=rows.size)
    return sps.csr_matrix((values, (rows, cols)), shape=(n, n))


def inputs(n_e: int = N_E, n_i: int = N_I, seed: int = SEED) -> np.ndarray:
    """The fixed inputs ``I``: ``-1 + 0.5 xi`` (E), ``-2 + 0.5 xi`` (I)."""
    xi = np.random.default_rng([seed, 1]).standard_normal(n_e + n_i)
    return np.concatenate([-1.0 + 0.5 * xi[:n_e], -2.0 + 0.5 * xi[n_e:]])


def build(n_e: int = N_E, n_i: int = N_I, density: float = DENSITY, seed: int = SEED,
          g: float = 1.0) -> RateNetwork:
    """The E-I network (smaller ``n_e``, ``n_i`` for tests); see the module docstring."""
    s = sp.Symbol("s")
    return RateNetwork(
        weights(n_e, n_i, density, seed), {"E": 1 / (1 + sp.exp(-s)),
                                           "I": 1 / (1 + sp.exp(-2 * s))},
        tau={"E": 1.0, "I": 0.5}, I=inputs(n_e, n_i, seed), g=g,
        populations={"E": n_e, "I": n_i}, name="ei_network",
        description=f"Sparse random E-I rate network: {n_e} E + {n_i} I units, "
                    f"{density:.0%} connection probability, Dale's law (seed {seed}).")


model = build()
