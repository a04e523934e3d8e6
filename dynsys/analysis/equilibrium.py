"""One equilibrium and its linearization: the :class:`Equilibrium` result and
:func:`linearize`, which classifies a point from its Jacobian's eigenvalues, or, at a
kink of a non-smooth system, by the system's own verdict or perturbed runs.
:func:`dynsys.analysis.equilibria.find_equilibria` finds the points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys.analysis._rightmost as rightmost
from dynsys._io import to_jsonable
from dynsys._types import ComplexArray, FloatArray, ParamsLike
from dynsys.analysis.simulate import simulate
from dynsys.analysis.stability import TOL_EQUAL, TOL_HYPERBOLIC, Kind, kind_label, stability
from dynsys.core.model import Model
from dynsys.core.system import compile, resolve_params

__all__ = ["Equilibrium", "linearize"]


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One equilibrium with its linearization and how it was found.

    Attributes
    ----------
    state : ndarray (n,)
    state_names : tuple of str
    residual : float
        ``max_i |F_i(state)|``.
    jacobian : ndarray (n, n)
    eigenvalues : complex ndarray (n,)
        Sorted by real part, descending (ties: imaginary part descending).
    eigenvectors : complex ndarray (n, n)
        Column ``k`` belongs to ``eigenvalues[k]``.
    kind : Kind
    method : str
        How it was found: ``"brent"``, ``"grid node"``, ``"tangency"`` (1-D) or
        ``"newton"`` / ``"deflated newton"`` (n-D), or ``"given"``.
    stable, unstable_dimension : bool, int
    trace, det, discriminant : float or None
        2-D only.
    non_smooth : bool
        The Jacobian may be ill-defined here: the system is non-smooth and the argument
        of one of its sign/heav/abs functions (or two arguments of a min/max) is zero
        at this point (to 1e-9), where the numeric Jacobian (which treats them as
        locally constant) is not the derivative. The kind is then ``Kind.NON_SMOOTH``
        and ``stable`` comes from the system's ``classify_state`` hook or from
        perturbed runs, never from the eigenvalues (which are still reported).
        Always True for a non-smooth System without a ``switching`` hook.
    """

    state: FloatArray
    state_names: tuple[str, ...]
    residual: float
    jacobian: FloatArray
    eigenvalues: ComplexArray
    eigenvectors: ComplexArray
    kind: Kind
    method: str
    stable: bool
    unstable_dimension: int
    trace: float | None = None
    det: float | None = None
    discriminant: float | None = None
    non_smooth: bool = False
    #: What the system says of the state (its ``describe_state`` hook, e.g. a Hopfield
    #: network's overlaps with its patterns); None where it has no such hook.
    description: str | None = None
    #: ``find_equilibria(..., certify=True)`` only: ``"unique"`` (proven the one equilibrium
    #: in a box, by a Krawczyk test) or ``"unverified"`` (found by the search only).
    certificate: str | None = None
    #: The interval ``(lo, hi)`` per state proven to hold the equilibrium, and its width.
    enclosure: tuple[tuple[float, float], ...] | None = None
    enclosure_width: float | None = None
    #: True when no eigenvalue of the Jacobian at the true equilibrium can have real part
    #: 0 (interval Jacobian on the enclosure): the kind is then certified.
    stability_certified: bool = False
    #: How the eigenvalues were computed when not all of them are (a large system:
    #: "rightmost 6 eigenvalues by ARPACK ..."); None for a dense eigen-decomposition.
    eigen_note: str | None = None

    @property
    def n(self) -> int:
        """Number of states."""
        return int(self.state.size)

    @property
    def label(self) -> str:
        """Table label of the kind (``"saddle (index 2)"`` for n-D saddles)."""
        return kind_label(self.kind, self.unstable_dimension, self.n)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``state`` (name -> value), ``eigenvalues``, ``kind``, ``residual``..."""
        out: dict[str, Any] = {
            "state": {k: float(v) for k, v in zip(self.state_names, self.state, strict=True)},
            "eigenvalues": [{"re": float(v.real), "im": float(v.imag)} for v in self.eigenvalues],
            "kind": self.kind.value,
            "label": self.label,
            "residual": float(self.residual),
            "stable": self.stable,
            "unstable_dimension": self.unstable_dimension,
            "method": self.method,
        }
        if self.trace is not None:
            out.update(trace=self.trace, det=self.det, discriminant=self.discriminant)
        if self.non_smooth:
            out["non_smooth"] = True
        if self.description is not None:
            out["description"] = self.description
        if self.certificate is not None:
            out["certificate"] = self.certificate
            out["stability_certified"] = self.stability_certified
            if self.enclosure is not None:
                out["enclosure"] = {k: [lo, hi] for k, (lo, hi) in
                                    zip(self.state_names, self.enclosure, strict=True)}
                out["enclosure_width"] = self.enclosure_width
        if self.eigen_note is not None:
            out["eigenvalue_method"] = self.eigen_note
        return to_jsonable(out)

    def __repr__(self) -> str:
        st = ", ".join(f"{k}={v:.6g}" for k, v in zip(self.state_names, self.state, strict=True))
        ev = ", ".join(_fmt_complex(v) for v in self.eigenvalues)
        return f"Equilibrium({st}; {self.label}; eigenvalues [{ev}]; residual {self.residual:.1e})"


def _compress(items: list[str]) -> str:
    """Join, writing runs of equal entries once: ``-1 (x64)``."""
    out: list[str] = []
    k = 0
    while k < len(items):
        j = k
        while j + 1 < len(items) and items[j + 1] == items[k]:
            j += 1
        out.append(items[k] + (f" (x{j - k + 1})" if j > k else ""))
        k = j + 1
    return ", ".join(out)


def _fmt_complex(v: complex, digits: int = 6) -> str:
    if v.imag == 0:
        return f"{v.real:.{digits}g}"
    sign = "+" if v.imag >= 0 else "-"
    return f"{v.real:.{digits}g}{sign}{abs(v.imag):.{digits}g}i"



# ----------------------------------------------------------------------- helpers
def linearize(
    system: Any, state: Any, params: ParamsLike = None, *, method: str = "given",
    tol: float = TOL_HYPERBOLIC, tol_equal: float = TOL_EQUAL, dense_max: int | None = None,
) -> Equilibrium:
    """The :class:`Equilibrium` record of a known point (residual, Jacobian, kind).

    Up to ``dense_max`` states (default
    :data:`~dynsys.analysis._rightmost.DENSE_EIG_STATES`, 100) every eigenvalue is
    computed (dense ``eig``); above, only the rightmost ones, by ARPACK
    (:func:`~dynsys.analysis._rightmost.rightmost_stability`), and
    :attr:`Equilibrium.eigen_note` says which.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> e = linearize(load_model("mutual_excitation"), [25.0, 25.0])
    >>> e.kind.value, e.eigenvalues.real.round(9).tolist()
    ('saddle', [4.0, -6.0])
    """
    compiled = compile(system) if isinstance(system, Model) else system
    p = resolve_params(compiled, params)
    x = np.asarray(state, dtype=np.float64).reshape(compiled.n)
    f = compiled.rhs(x, p)
    limit = rightmost.DENSE_EIG_STATES if dense_max is None else int(dense_max)
    note = None
    if compiled.n > limit:
        st, note = rightmost.rightmost_stability(compiled, x, np.asarray(p), tol=tol)
    else:
        st = stability(compiled.jac(x, p), tol=tol, tol_equal=tol_equal)
    kind, stable, unstable = st.kind, st.stable, st.unstable_dimension
    non_smooth = _on_switching_surface(compiled, x, p)
    if non_smooth:  # the eigenvalue rule does not apply: perturbation decides
        kind, stable = Kind.NON_SMOOTH, _perturbation_stable(compiled, x, p)
        unstable = 0 if stable else max(1, unstable)
    return Equilibrium(
        state=x, state_names=tuple(compiled.state_names), residual=float(np.max(np.abs(f))),
        jacobian=st.jacobian, eigenvalues=st.eigenvalues, eigenvectors=st.eigenvectors,
        kind=kind, method=method, stable=stable, unstable_dimension=unstable,
        trace=st.trace, det=st.det, discriminant=st.discriminant, non_smooth=non_smooth,
        description=_describe(compiled, x), eigen_note=note,
    )


def _describe(system: Any, x: FloatArray) -> str | None:
    """The system's own words for a state (``describe_state`` hook), if it has them."""
    hook = getattr(system, "describe_state", None)
    return str(hook(x)) if hook is not None else None


def _on_switching_surface(system: Any, x: FloatArray, p: FloatArray) -> bool:
    """True where the numeric Jacobian may be ill-defined (see Equilibrium.non_smooth)."""
    if getattr(system, "is_smooth", True):
        return False
    switching = getattr(system, "switching", None)
    if switching is None:
        return True  # cannot inspect: do not pretend
    values = np.asarray(switching(x, p), dtype=np.float64)
    return bool(np.any(np.abs(values) <= 1e-9 * max(1.0, float(np.max(np.abs(x))))))


def _perturbation_stable(
    system: Any, x: FloatArray, p: FloatArray, *, runs: int = 16, rng: int = 0,
) -> bool:
    """Stability of a non-smooth equilibrium from perturbed noiseless runs.

    A system's own ``classify_state(x, params=p)`` hook decides where it has one.
    Otherwise ``runs`` Euler runs (dt = 0.005, to t = 10) start at
    ``x + r u`` with ``r = 1e-2 max(1, |x|)`` and ``u`` uniform in ``[-1, 1]^n``; the
    point counts as stable when every run ends within ``r`` of it (a run may chatter
    on the switching surface, by about ``dt |F|``, without leaving).
    """
    hook = getattr(system, "classify_state", None)
    if hook is not None:
        return bool(hook(x, params=p).stable)

    radius = 1e-2 * max(1.0, float(np.max(np.abs(x))))
    u = np.random.default_rng(rng).uniform(-1.0, 1.0, size=(runs, x.size))
    traj = simulate(system, x + radius * u, 10.0, dt=0.005, params=p, sigma=0.0,
                    save_every=2000)
    return bool(np.all(np.max(np.abs(traj.final - x), axis=-1) <= radius))


# ----------------------------------------------------------------------- main entry
