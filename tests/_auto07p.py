"""AUTO-07p as an independent reference for equilibrium and periodic-orbit continuation.

A test/benchmark helper (no pytest needed at import). It writes an AUTO-07p equations file
(``xxx.f90``) from a dynsys :class:`~dynsys.Model` -- the right-hand sides and their exact
Jacobian through ``sympy.fcode`` (AUTO does all the numerics) -- links it against Debian's
``auto-07p`` objects (``/usr/lib/auto-07p/lib/*.o``) with ``gfortran`` and runs the
executable non-interactively in a temporary directory, the constants on standard input
(as AUTO's own Python driver does), with a timeout. The output files are parsed here:

- ``fort.7`` (b.*): one row per continuation point, the type code and label, the
  principal parameter, the L2 norm and the overspecified parameters that our ``PVLS``
  fills (max and min of every state, the relative amplitude); a negative point number
  marks a stable solution;
- ``fort.8`` (s.*): the labelled solutions; with ``profiles=True`` every point is
  labelled (``NPR=1``) and the max/min of each state are taken over the piecewise
  collocation polynomials (exact extrema of AUTO's solution, not only of its mesh values);
- ``fort.9`` (d.*): the Floquet multipliers of each point (six significant digits).

Tolerances (:data:`TOLERANCES`): ``EPSL = EPSU = EPSS = 1e-10``, ``NTST = 100``,
``NCOL = 4``, ``IAD = 3``, ``JAC = 1`` (exact Jacobian), ``ISP = 2`` (all special points,
Floquet multipliers computed), ``ILP = 1``. AUTO prints the branch to 11 significant
digits, so Hopf points and folds are given to ~1e-10 in the parameter.

Run ends of a cycle branch (``end["type"]``): ``"hopf"`` (the amplitude fell below
``amp_stop`` of its largest value on the branch, or AUTO turned at a zero-amplitude
fold/branch point: the branch reached a Hopf point), ``"homoclinic"`` (the period reached
``period_max``), ``"bound"`` (the parameter left ``par_range``), ``"max_steps"`` (``NMX``),
``"no_convergence"`` (AUTO's ``MX``).

Examples
--------
>>> res = {"hopf": [{"param": 0.33128133745}, {"param": 1.4187186625}]}  # without AUTO
>>> if available():
...     res = cycle_branch("fitzhugh_nagumo", "I", {"I": 0.0}, (0.0, 1.6), nmx=300,
...                        profiles=False)
>>> [round(h["param"], 8) for h in res["hopf"]]
[0.33128134, 1.41871866]

References
----------
E. J. Doedel et al., *AUTO-07P: Continuation and bifurcation software for ordinary
differential equations* (manual, Concordia University, 2012), chapters 3, 6 and 10.
"""

from __future__ import annotations

import atexit
import hashlib
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

AUTO_DIR = Path(os.environ.get("AUTO_DIR", "/usr/lib/auto-07p"))

#: The accuracy settings of every run (AUTO constants).
TOLERANCES: dict[str, Any] = {
    "NTST": 100, "NCOL": 4, "IAD": 3, "EPSL": 1e-10, "EPSU": 1e-10, "EPSS": 1e-10,
    "ITMX": 20, "ITNW": 7, "NWTN": 3, "JAC": 1, "ISP": 2, "ILP": 1,
}

#: AUTO's solution type codes (manual, table 6.1), as names.
TYPES = {0: "", 1: "BP", 2: "LP", 3: "HB", 4: "RG", -4: "UZ", 5: "LP", 6: "BP", 7: "PD",
         8: "TR", 9: "EP", -9: "MX"}

_FIRST_OUT = 21  # PAR(21..) hold the solution measures written by PVLS
_CACHE: dict[str, Path] = {}
_WORKROOT: list[Path] = []


# --------------------------------------------------------------------------- availability
def unavailable_reason() -> str:
    """Why AUTO-07p cannot run here ("" when it can)."""
    if shutil.which("gfortran") is None:
        return "gfortran is not installed (Debian: apt-get install gfortran auto-07p)"
    libs = sorted((AUTO_DIR / "lib").glob("*.o"))
    if not libs:
        return f"AUTO-07p is not installed (no {AUTO_DIR}/lib/*.o; apt-get install auto-07p)"
    return ""


def available() -> bool:
    """Whether AUTO-07p and gfortran are installed (see :func:`unavailable_reason`)."""
    return not unavailable_reason()


# --------------------------------------------------------------------------- model -> f90
def _load(model: Any) -> Any:
    if isinstance(model, str):
        from dynsys import load_model

        return load_model(model)
    return model


def _f(value: float) -> str:
    """A Fortran double literal that parses to exactly ``value``."""
    text = repr(float(value))
    mant, _, exp = text.partition("e")
    if "." not in mant and "inf" not in mant and "nan" not in mant:
        mant += ".0"
    return f"{mant}d{exp or '0'}"


def _fcode(expr: sp.Expr, target: str) -> tuple[set, str]:
    consts, unsupported, code = sp.fcode(expr, assign_to=target, standard=95,
                                         source_format="free", human=False)
    if unsupported:
        raise ValueError(f"AUTO harness: cannot write {unsupported} in Fortran")
    return consts, code


def fortran_source(model: Any, param: str, params: dict[str, float]) -> str:
    """The AUTO-07p equations file for ``model`` with ``param`` as PAR(1).

    The other parameters are Fortran constants with the exact double values of
    ``params``; states are ``U(1..n)`` in the model's order. ``FUNC`` gives the
    right-hand side and its exact Jacobians (``JAC=1``); ``PVLS`` writes max U(i) to
    PAR(21+i-1), min U(i) to PAR(21+n+i-1) and the amplitude relative to the largest seen
    in this run to PAR(21+2n).
    """
    model = _load(model)
    states = list(model.states)
    n = len(states)
    names = {str(s): s for s in model.param_symbols}
    if param not in names:
        raise ValueError(f"AUTO harness: {param!r} is not a parameter of {model.name}")
    xs = sp.symbols(f"x_1:{n + 1}")
    ps = {name: sp.Symbol(f"p_{k}") for k, name in enumerate(names, start=1)}
    sub = dict(zip(states, xs)) | {names[k]: ps[k] for k in names}
    rhs = [sp.sympify(model.equations[s]).subs(sub) for s in states]
    pc = ps[param]
    consts: set = set()
    lines = []
    for i, e in enumerate(rhs, start=1):
        c, code = _fcode(e, f"F({i})")
        consts |= c
        lines.append(code)
    jac_lines = []
    for i, e in enumerate(rhs, start=1):
        for j, x in enumerate(xs, start=1):
            d = sp.diff(e, x)
            c, code = _fcode(d, f"DFDU({i},{j})")
            consts |= c
            jac_lines.append(code)
    dp_lines = []
    for i, e in enumerate(rhs, start=1):
        c, code = _fcode(sp.diff(e, pc), f"DFDP({i},1)")
        consts |= c
        dp_lines.append(code)
    decl = ", ".join([str(x) for x in xs] + [str(p) for p in ps.values()])
    assign = [f"  {x} = U({i})" for i, x in enumerate(xs, start=1)]
    for name, p in ps.items():
        assign.append(f"  {p} = PAR(1)" if name == param else f"  {p} = {_f(params[name])}")
    const_decl = [f"  DOUBLE PRECISION, PARAMETER :: {s} = {v}" for s, v in sorted(consts, key=str)]
    body = "\n".join("  " + ln for code in lines for ln in code.splitlines())
    jbody = "\n".join("  " + ln for code in jac_lines for ln in code.splitlines())
    pbody = "\n".join("  " + ln for code in dp_lines for ln in code.splitlines())
    maxs = "\n".join(f"  PAR({_FIRST_OUT + i}) = GETP('MAX',{i + 1},U)" for i in range(n))
    mins = "\n".join(f"  PAR({_FIRST_OUT + n + i}) = GETP('MIN',{i + 1},U)" for i in range(n))
    amp = "\n".join(f"  AMP = MAX(AMP, PAR({_FIRST_OUT + i}) - PAR({_FIRST_OUT + n + i}))"
                    for i in range(n))
    return f"""! AUTO-07p equations generated from the dynsys model {model.name} (PAR(1) = {param})
SUBROUTINE FUNC(NDIM,U,ICP,PAR,IJAC,F,DFDU,DFDP)
  IMPLICIT NONE
  INTEGER, INTENT(IN) :: NDIM, ICP(*), IJAC
  DOUBLE PRECISION, INTENT(IN) :: U(NDIM), PAR(*)
  DOUBLE PRECISION, INTENT(OUT) :: F(NDIM)
  DOUBLE PRECISION, INTENT(INOUT) :: DFDU(NDIM,NDIM), DFDP(NDIM,*)
{chr(10).join(const_decl)}
  DOUBLE PRECISION :: {decl}
{chr(10).join(assign)}
{body}
  IF (IJAC == 0) RETURN
{jbody}
  IF (IJAC == 1) RETURN
{pbody}
END SUBROUTINE FUNC

SUBROUTINE STPNT(NDIM,U,PAR,T)
  IMPLICIT NONE
  INTEGER, INTENT(IN) :: NDIM
  DOUBLE PRECISION, INTENT(INOUT) :: U(NDIM),PAR(*)
  DOUBLE PRECISION, INTENT(IN) :: T
END SUBROUTINE STPNT

SUBROUTINE BCND
END SUBROUTINE BCND

SUBROUTINE ICND
END SUBROUTINE ICND

SUBROUTINE FOPT
END SUBROUTINE FOPT

SUBROUTINE PVLS(NDIM,U,PAR)
  IMPLICIT NONE
  INTEGER, INTENT(IN) :: NDIM
  DOUBLE PRECISION, INTENT(IN) :: U(NDIM)
  DOUBLE PRECISION, INTENT(INOUT) :: PAR(*)
  DOUBLE PRECISION, EXTERNAL :: GETP
  DOUBLE PRECISION, SAVE :: PEAK = 0d0
  DOUBLE PRECISION :: AMP
{maxs}
{mins}
  AMP = 0d0
{amp}
  PEAK = MAX(PEAK, AMP)
  PAR({_FIRST_OUT + 2 * n}) = 1d0
  IF (PEAK > 0d0) PAR({_FIRST_OUT + 2 * n}) = AMP / PEAK
END SUBROUTINE PVLS
"""


def _workroot() -> Path:
    if not _WORKROOT:
        root = Path(tempfile.mkdtemp(prefix="dynsys-auto07p-"))
        atexit.register(shutil.rmtree, root, True)
        _WORKROOT.append(root)
    return _WORKROOT[0]


def compile_model(source: str, timeout: float = 120.0) -> Path:
    """Compile and link an equations file (cached per source text); the executable."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    if key in _CACHE and _CACHE[key].exists():
        return _CACHE[key]
    folder = _workroot() / f"build-{key}"
    folder.mkdir(exist_ok=True)
    (folder / "eqn.f90").write_text(source)
    libs = sorted(str(p) for p in (AUTO_DIR / "lib").glob("*.o"))
    for cmd in (["gfortran", "-O2", "-fPIC", "-fopenmp", "-c", "eqn.f90", "-o", "eqn.o"],
                ["gfortran", "-O2", "-fopenmp", "eqn.o", "-o", "eqn.exe", *libs]):
        done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"AUTO harness: {' '.join(cmd[:4])} failed: {done.stderr[-2000:]}")
    _CACHE[key] = folder / "eqn.exe"
    return _CACHE[key]


# --------------------------------------------------------------------------- running
def _value(v: Any) -> str:
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def constants_text(constants: dict[str, Any]) -> str:
    """AUTO's new-style constants file (``KEY = value`` lines)."""
    return "".join(f"{k} = {_value(v)}\n" for k, v in constants.items())


def run(exe: Path, constants: dict[str, Any], *, solution: str | None = None,
        timeout: float = 300.0) -> dict[str, Any]:
    """Run a compiled AUTO model once; the text of fort.7/8/9 and the wall time.

    ``solution`` is the text of an s-file (fort.8) to restart from (``IRS`` label).
    """
    folder = Path(tempfile.mkdtemp(dir=_workroot(), prefix="run-"))
    consts = dict(constants)
    if solution is not None:
        (folder / "s.start").write_text(solution)
        consts = {"s": "start", **consts}
    env = dict(os.environ, OMP_NUM_THREADS="1")
    t0 = time.perf_counter()
    done = subprocess.run([str(exe)], cwd=folder, input=constants_text(consts),
                          capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)
    wall = time.perf_counter() - t0
    out = {name: (folder / f"fort.{k}").read_text() if (folder / f"fort.{k}").exists() else ""
           for name, k in (("b", 7), ("s", 8), ("d", 9))}
    shutil.rmtree(folder, ignore_errors=True)
    if done.returncode or not out["b"]:
        raise RuntimeError(f"AUTO run failed ({done.returncode}): {done.stdout[-1500:]}"
                           f"{done.stderr[-1500:]}")
    return {**out, "stdout": done.stdout, "time": wall}


# --------------------------------------------------------------------------- parsing
def _float(tok: str) -> float:
    tok = tok.replace("D", "E").replace("d", "E")
    if re.fullmatch(r"[-+]?\d*\.\d+[-+]\d+", tok):  # 1.0-100 (exponent without E)
        tok = re.sub(r"(\d)([-+]\d+)$", r"\1E\2", tok)
    return float(tok)


def parse_fort7(text: str) -> list[dict[str, Any]]:
    """The rows of a fort.7 file: BR, PT, TY, LAB, stable and the named columns."""
    rows: list[dict[str, Any]] = []
    names: list[str] = []
    for line in text.splitlines():
        toks = line.split()
        if not toks:
            continue
        if toks[0] == "0":
            if "PT" in toks and "LAB" in toks:
                head = line.split("LAB", 1)[1]
                names = re.findall(r"MAX U\(\d+\)|MIN U\(\d+\)|INTEGRAL U\(\d+\)|"
                                   r"L2-NORM|U\(\d+\)|PAR\(\d+\)|PERIOD|\S+", head)
            continue
        br, pt, ty, lab = (int(t) for t in toks[:4])
        vals = [_float(t) for t in toks[4:]]
        row = {"BR": abs(br), "PT": abs(pt), "TY": TYPES.get(ty, str(ty)), "code": ty,
               "LAB": lab, "stable": pt < 0}
        row.update(dict(zip(names, vals)))
        rows.append(row)
    return rows


def parse_fort8(text: str, points: set[int] | None = None) -> dict[int, dict[str, Any]]:
    """The solutions of a fort.8 file by label: PT, t, u (NTPL x NDIM), PAR, NTST, NCOL.

    ``points``: read only the solutions of these point numbers (others are skipped)."""
    sols: dict[int, dict[str, Any]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        head = lines[i].split()
        if len(head) < 12:
            i += 1
            continue
        h = [int(x) for x in head]
        ntpl, nar, nrowpr, ntst, ncol, npar = h[6], h[7], h[8], h[9], h[10], h[11]
        if points is not None and h[1] not in points:
            i += 1 + nrowpr
            continue
        toks = " ".join(lines[i + 1:i + 1 + nrowpr]).split()
        try:
            nums = np.array(toks, dtype=float)
        except ValueError:  # a 1.0-100 style exponent somewhere
            nums = np.array([_float(t) for t in toks])
        prof = nums[:ntpl * nar].reshape(ntpl, nar)
        sols[h[3]] = {"PT": h[1], "BR": h[0], "TY": h[2], "t": prof[:, 0], "u": prof[:, 1:],
                      "PAR": nums[-npar:], "NTST": ntst, "NCOL": ncol}
        i += 1 + nrowpr
    return sols


def parse_multipliers(text: str) -> dict[int, list[complex]]:
    """The Floquet multipliers per point number from a fort.9 file (last block wins)."""
    out: dict[int, list[complex]] = {}
    pat = re.compile(r"^\s*-?\d+\s+(-?\d+)\s+Multiplier\s+\d+\s+(\S+)\s+(\S+)\s+Abs")
    for line in text.splitlines():
        if "Multipliers:" in line:
            out[abs(int(line.split()[1]))] = []
            continue
        m = pat.match(line)
        if m:
            out.setdefault(abs(int(m.group(1))), []).append(
                complex(_float(m.group(2)), _float(m.group(3))))
    return out


def profile_extrema(sol: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Exact max and min per state of AUTO's piecewise collocation polynomials.

    fort.8 stores each polynomial (degree NCOL) at NCOL+1 equally spaced points of its
    mesh interval; the extrema are found from the roots of the derivative.
    """
    u, ncol, ntst = sol["u"], sol["NCOL"], sol["NTST"]
    if ntst == 0 or len(u) != ntst * ncol + 1:
        return u.max(axis=0), u.min(axis=0)
    s = np.linspace(0.0, 1.0, ncol + 1)
    vinv = np.linalg.inv(np.vander(s, increasing=True))
    hi, lo = [], []
    for k in range(u.shape[1]):
        col = u[:, k]
        best = []
        for pick, sign in ((np.argmax(col), 1.0), (np.argmin(col), -1.0)):
            cand = [sign * col[pick]]
            j = pick // ncol
            for iv in {max(j - 1, 0), min(j, ntst - 1), min(j + 1, ntst - 1)}:
                coef = vinv @ col[iv * ncol:(iv + 1) * ncol + 1]
                roots = np.roots(np.polynomial.polynomial.polyder(coef)[::-1])
                for r in roots:
                    if abs(r.imag) < 1e-12 and 0.0 <= r.real <= 1.0:
                        cand.append(sign * np.polynomial.polynomial.polyval(r.real, coef))
            best.append(sign * max(cand))
        hi.append(best[0])
        lo.append(best[1])
    return np.array(hi), np.array(lo)


# --------------------------------------------------------------------------- branches
def _numeric(model: Any, params: dict[str, float]):
    """f(x) and J(x) at fixed parameters, lambdified from the model's sympy equations."""
    states = list(model.states)
    sub = {s: params[str(s)] for s in model.param_symbols}
    rhs = sp.Matrix([sp.sympify(model.equations[s]).subs(sub) for s in states])
    f = sp.lambdify([states], list(rhs), "numpy")
    jac = sp.lambdify([states], rhs.jacobian(states).tolist(), "numpy")
    return (lambda x: np.array(f(list(x)), dtype=float),
            lambda x: np.array(jac(list(x)), dtype=float))


def equilibrium(model: Any, params: dict[str, float], x0: Any = None) -> np.ndarray:
    """An equilibrium near ``x0`` by scipy's root (Newton-like, tolerance 1e-14).

    Without ``x0``: from the model's initial state, then from a 7^n grid of its region;
    the converged root nearest the initial state.
    """
    model = _load(model)
    f, jac = _numeric(model, params)
    if x0 is not None:
        guesses = [np.array(x0, dtype=float)]
    else:
        init = np.array(model.initial_state(), dtype=float)
        axes = [np.linspace(*model.region[str(s)], 7) for s in model.states] if model.region else []
        grid = np.array(np.meshgrid(*axes)).reshape(len(axes), -1).T if axes else []
        guesses = [init, *grid]
    found = []
    for g in guesses:
        sol = optimize.root(f, g, jac=jac, method="hybr", tol=1e-14)
        if np.all(np.isfinite(sol.x)) and np.max(np.abs(f(sol.x))) < 1e-11:
            found.append(sol.x)
            if x0 is not None or (len(found) == 1 and g is guesses[0]):
                break
    if not found:
        raise RuntimeError(f"AUTO harness: no equilibrium found for {model.name} at {params}")
    ref = guesses[0]
    return min(found, key=lambda x: float(np.linalg.norm(x - ref)))


def _setup(model: Any, param: str, start_params: dict[str, float] | None):
    model = _load(model)
    params = {str(k): float(v) for k, v in model.params.items()}
    params.update({k: float(v) for k, v in (start_params or {}).items()})
    exe = compile_model(fortran_source(model, param, params))
    return model, params, exe


def _base(n: int, **over: Any) -> dict[str, Any]:
    c = {"NDIM": n, "IPS": 1, "IRS": 0, "ICP": [1], "NBC": 0, "NINT": 0, "NPR": 0,
         "MXBF": 10, "IID": 2, "IPLT": 0, "ISW": 1, "NPAR": _FIRST_OUT + 2 * n,
         "DS": 0.01, "DSMIN": 1e-7, "DSMAX": 0.05, "IADS": 1, "NMX": 2000, **TOLERANCES}
    c.update(over)
    return c


def equilibrium_branch(model: Any, param: str, start_params: dict[str, float] | None,
                       par_range: tuple[float, float], *, x0: Any = None,
                       dsmax: float = 0.05, timeout: float = 120.0) -> dict[str, Any]:
    """AUTO's equilibrium branch through the equilibrium near ``x0`` at ``start_params``.

    Continued both ways until the parameter leaves ``par_range``. Returns ``values``,
    ``states`` ({name: [...]}) and ``stable`` ordered by increasing arclength, ``hopf``
    and ``folds`` (each {"param", "state", "label"}), ``time`` (AUTO's wall time, s) and
    ``solutions`` (the fort.8 text, to restart from a label).
    """
    model, params, exe = _setup(model, param, start_params)
    n = len(model.states)
    names = [str(s) for s in model.states]
    u0 = equilibrium(model, params, x0)
    lo, hi = par_range
    parts, t_total = [], 0.0
    for sign in (-1.0, 1.0):
        c = _base(n, RL0=lo, RL1=hi, DSMAX=dsmax, DS=sign * min(0.01, dsmax),
                  U={i + 1: float(v) for i, v in enumerate(u0)}, PAR={1: params[param]})
        out = run(exe, c, timeout=timeout)
        t_total += out["time"]
        parts.append((parse_fort7(out["b"]), out["s"]))
    rows = list(reversed(parts[0][0])) + parts[1][0][1:]
    # relabel: hopf/fold points keep the label of the run whose fort.8 holds them
    special = {"hopf": [], "folds": []}
    for (rws, stext), _sign in zip(parts, (-1, 1)):
        for r in rws:
            kind = {"HB": "hopf", "LP": "folds"}.get(r["TY"])
            if kind:
                p = r["PAR(1)"]
                if any(abs(p - q["param"]) < 1e-9 for q in special[kind]):
                    continue
                state = {nm: r[f"U({i + 1})"] for i, nm in enumerate(names)}
                special[kind].append({"param": p, "label": r["LAB"], "solutions": stext,
                                      "state": state})
    for kind in special:
        special[kind].sort(key=lambda d: d["param"])
    return {
        "param": param, "values": [r["PAR(1)"] for r in rows],
        "states": {nm: [r[f"U({i + 1})"] for r in rows] for i, nm in enumerate(names)},
        "stable": [r["stable"] for r in rows], "time": t_total, **special,
    }


def _fit_homoclinic(values: np.ndarray, periods: np.ndarray) -> dict[str, Any]:
    """Extrapolate the parameter of infinite period from the branch's tail.

    Two laws are fitted to the points with period >= a quarter of the largest: a saddle
    homoclinic orbit, ``p = p_h + c exp(-lam T)`` (log-linear in T for each trial p_h),
    and a saddle-node on the cycle, ``p = p_h + c / T^2``; the one with the smaller
    residual is taken.
    """
    keep = periods >= periods.max() / 4
    p, T = values[keep], periods[keep]
    out: dict[str, Any] = {"points": int(keep.sum())}
    if len(p) < 3:
        out.update(law="none", param=float(values[np.argmax(periods)]), residual=math.nan)
        return out
    a = np.vstack([np.ones_like(T), 1.0 / T**2]).T
    coef, *_ = np.linalg.lstsq(a, p, rcond=None)
    res_snic = float(np.sqrt(np.mean((a @ coef - p) ** 2)))
    # exponential law: the tail is flat in p to machine precision; p_h ~ the last value
    far = np.argmax(T)
    d = np.abs(p - p[far])
    ok = d > 0
    res_exp, ph_exp = math.inf, float(p[far])
    if ok.sum() >= 2:
        lam, logc = np.polyfit(T[ok], np.log(d[ok]), 1)
        if lam < 0:
            pred = p[far] + np.sign(p[ok] - p[far]) * np.exp(logc + lam * T[ok])
            res_exp = float(np.sqrt(np.mean((pred - p[ok]) ** 2)))
    if res_exp <= res_snic:
        out.update(law="saddle", param=ph_exp, residual=res_exp)
    else:
        out.update(law="saddle-node", param=float(coef[0]), residual=res_snic)
    return out


def _saddle(model: Any, params: dict[str, float], sol: dict[str, Any]) -> dict[str, Any]:
    """The equilibrium a long-period cycle lingers at: root from its slowest point."""
    f, jac = _numeric(model, params)
    speeds = [np.linalg.norm(f(x)) for x in sol["u"]]
    x0 = sol["u"][int(np.argmin(speeds))]
    eq = optimize.root(f, x0, jac=jac, method="hybr", tol=1e-14).x
    eig = np.linalg.eigvals(jac(eq))
    return {"state": {str(s): float(v) for s, v in zip(model.states, eq)},
            "eigenvalues": [complex(e) for e in eig],
            "kind": "saddle" if (eig.real > 0).any() and (eig.real < 0).any() else "other"}


def cycle_branch(model: Any, param: str, start_params: dict[str, float] | None,
                 par_range: tuple[float, float], *, x0: Any = None, ntst: int = 100,
                 ncol: int = 4, period_max: float = 1e3, amp_stop: float = 0.05,
                 nmx: int = 600, dsmax: float = 0.1, profiles: bool = True,
                 epss_cycles: float = 1e-9, timing: bool = False, uzr: tuple = (),
                 timeout: float = 300.0) -> dict[str, Any]:
    """AUTO-07p's equilibrium branch, its Hopf points and the cycle branch from each.

    Parameters
    ----------
    model : dynsys Model or built-in name.
    param : the continued parameter (AUTO's PAR(1)).
    start_params : parameter overrides; the equilibrium branch starts at the equilibrium
        nearest ``x0`` (default: the model's initial state) at these values.
    par_range : (lo, hi), AUTO's RL0 and RL1 for both runs.
    ntst, ncol : collocation mesh of the periodic runs.
    period_max : the periodic run stops when the period reaches it (``"homoclinic"``).
    amp_stop : the branch is cut at its first local minimum of amplitude below this
        fraction of the largest amplitude so far (it reached a Hopf point; AUTO itself
        would carry on, back along the same branch).
    epss_cycles : AUTO's EPSS (special-point location) in the periodic runs.
    uzr : parameter values where the periodic runs output a point (AUTO's UZR; the
        points are on the branch, in ``special`` as type "user" with their index).
    timing : also rerun AUTO with NMX set to the branch's end point and no profiles, and
        give that wall time as ``time_to_end`` (AUTO itself would not stop at a Hopf end).
    nmx, dsmax : AUTO's step limit and largest pseudo-arclength step of periodic runs.
    profiles : label every point (NPR=1) so that max/min come from the collocation
        polynomials; False for timing (max/min then over AUTO's mesh values).

    Returns
    -------
    dict with ``param``, ``settings`` (the AUTO constants), ``equilibria`` (see
    :func:`equilibrium_branch`), ``hopf`` ([{"param", "state", "period"}]),
    ``cycle_branches``: one per Hopf point not already reached by an earlier branch, each
    ``{"hopf": param of its start, "values", "period", "l2norm", "max" and "min"
    ({state: [...]}), "stable" ([bool]), "multipliers" ([[complex]]), "special"
    ([{"type": "fold_of_cycles"|"period_doubling"|"torus"|"branch_point"|"user",
    "param", "period", "index"}]), "folds" (the fold_of_cycles entries), "end" ({"type",
    "param", "period", "amplitude", and "hopf" (the Hopf parameter reached) or
    "extrapolated" and "saddle" for a homoclinic end}), "time" (AUTO's wall time, s),
    "time_to_end" (with ``timing``), "points"}``; each fold has "source" (AUTO's LP
    label or an extremum of the parameter; flat canard folds also "period_range"), and
    ``time`` (total AUTO wall time, s).
    """
    model, params, exe = _setup(model, param, start_params)
    eq = equilibrium_branch(model, param, start_params, par_range, x0=x0, timeout=timeout)
    n = len(model.states)
    names = [str(s) for s in model.states]
    amp_col = f"PAR({_FIRST_OUT + 2 * n})"
    icp = [1, 11, *list(range(_FIRST_OUT, _FIRST_OUT + 2 * n + 1))]
    branches, total = [], eq["time"]
    hopf_out = []
    for h in eq["hopf"]:
        reached = any(b["end"]["type"] == "hopf" and abs(b["end"]["hopf"] - h["param"]) < 1e-6
                      for b in branches)
        c = _base(n, IPS=2, IRS=h["label"], ICP=icp, NTST=ntst, NCOL=ncol, NMX=nmx,
                  DS=0.01, DSMAX=dsmax, RL0=par_range[0], RL1=par_range[1],
                  NPR=1 if profiles else 0, EPSS=epss_cycles, UZSTOP={11: float(period_max)})
        if uzr:
            c["UZR"] = {1: [float(u) for u in uzr]}
        settings = c
        if reached:
            hopf_out.append({k: h[k] for k in ("param", "state")} | {"period": None})
            continue
        out = run(exe, c, solution=h["solutions"], timeout=timeout)
        total += out["time"]
        rows = parse_fort7(out["b"])
        mult = parse_multipliers(out["d"])
        branch = _cycle_rows(model, params, param, rows, mult, out["s"] if profiles else "",
                             names, amp_col,
                             period_max, par_range, eq["hopf"], n, amp_stop)
        branch["time"] = out["time"]
        if timing:  # AUTO alone on the branch up to its end, without the extra output
            last_pt = rows[branch["points"] - 1]["PT"]
            again = run(exe, dict(c, NMX=last_pt, NPR=0, UZSTOP={11: float(period_max)}),
                        solution=h["solutions"], timeout=timeout)
            branch["time_to_end"] = again["time"]
        branch["hopf"] = h["param"]
        branches.append(branch)
        hopf_out.append({k: h[k] for k in ("param", "state")} | {"period": branch["period"][0]})
    eq.pop("hopf")
    for f in eq["folds"]:
        f.pop("solutions", None)
    return {"param": param, "settings": settings if eq else {}, "equilibria": eq,
            "hopf": hopf_out, "cycle_branches": branches, "time": total}


def _extremum_folds(values: np.ndarray, periods: np.ndarray,
                    merge: float = 1e-8) -> list[dict[str, Any]]:
    """Folds as local extrema of the parameter along the branch (AUTO may step over a
    fold in a canard, where the parameter is flat to 1e-10): the vertex of the parabola
    p(T) through the extreme point and its neighbours; extrema closer than ``merge`` in
    the parameter (wiggles of a flat canard) count once, the outermost one."""
    out: list[dict[str, Any]] = []
    # runs of equal printed values (a plateau to 11 digits) count as one point, the middle
    idx = [0]
    for j in range(1, len(values)):
        if values[j] != values[idx[-1]]:
            idx.append(j)
    runs = [list(range(a, b)) for a, b in zip(idx, [*idx[1:], len(values)])]
    for k in range(1, len(runs) - 1):
        j = runs[k][len(runs[k]) // 2]
        i0, i1 = runs[k - 1][-1], runs[k + 1][0]
        d0, d1 = values[j] - values[i0], values[i1] - values[j]
        if d0 * d1 >= 0:
            continue
        kind = "max" if d0 > 0 else "min"
        T, p = periods[[i0, j, i1]], values[[i0, j, i1]]
        pf, tf = float(values[j]), float(periods[j])
        flat = len(runs[k]) > 1
        if not flat and len(set(T)) == 3:
            c2, c1, c0 = np.polyfit(T - T[1], p, 2)
            if c2 != 0:
                t_v = -c1 / (2 * c2)
                if abs(t_v) <= max(abs(T[0] - T[1]), abs(T[2] - T[1])):
                    pf, tf = float(c0 - c1 * c1 / (4 * c2)), float(T[1] + t_v)
        f = {"type": "fold_of_cycles", "param": pf, "period": tf, "index": j,
             "source": f"extremum ({kind}) of the parameter"}
        if flat:  # the parameter is constant to AUTO's 11 printed digits over the run
            f["period_range"] = (float(min(periods[runs[k]])), float(max(periods[runs[k]])))
        if out and abs(out[-1]["param"] - pf) < merge:
            if (kind == "max") == (pf > out[-1]["param"]):
                out[-1] = f
            continue
        out.append(f)
    return out


_SPECIAL = {"LP": "fold_of_cycles", "PD": "period_doubling", "TR": "torus",
            "BP": "branch_point", "UZ": "user"}


def _cycle_rows(model, params, param, rows, mult, sols, names, amp_col, period_max,
                par_range, hopfs, n, amp_stop) -> dict[str, Any]:
    """Cut one periodic run at its end and collect the per-point data."""
    end: dict[str, Any] = {"type": "max_steps"}
    keep = []
    rel = [r.get(amp_col, 1.0) for r in rows]
    for k, r in enumerate(rows):
        keep.append(r)
        if r["PERIOD"] >= period_max * (1 - 1e-6):  # AUTO's UZ stop (or the row past it)
            end = {"type": "homoclinic"}
            break
        at_min = rel[k] <= rel[k - 1] and (k + 1 == len(rows) or rel[k + 1] > rel[k])
        if k > 2 and rel[k] < amp_stop and at_min:
            end = {"type": "hopf"}
            break
        if r["TY"] == "EP":
            lo, hi = par_range
            out = r["PAR(1)"] <= lo + 1e-12 or r["PAR(1)"] >= hi - 1e-12
            end = {"type": "bound" if out else ("max_steps" if k > 0 else "failed")}
            break
        if r["TY"] == "MX":
            end = {"type": "no_convergence"}
            break
    sols = {s["PT"]: s for s in parse_fort8(sols, {r["PT"] for r in keep}).values()}
    values = np.array([r["PAR(1)"] for r in keep])
    periods = np.array([r["PERIOD"] for r in keep])
    hi_ = np.array([[r[f"PAR({_FIRST_OUT + i})"] for i in range(n)] for r in keep])
    lo_ = np.array([[r[f"PAR({_FIRST_OUT + n + i})"] for i in range(n)] for r in keep])
    for j, r in enumerate(keep):
        if r["PT"] in sols:
            hi_[j], lo_[j] = profile_extrema(sols[r["PT"]])
    last = keep[-1]
    end.update(param=last["PAR(1)"], period=last["PERIOD"],
               amplitude=float(np.max(hi_[-1] - lo_[-1])))
    if end["type"] == "hopf":
        near = min(hopfs, key=lambda h: abs(h["param"] - last["PAR(1)"]))
        end["hopf"] = near["param"]
    if end["type"] == "homoclinic":
        end["extrapolated"] = _fit_homoclinic(values, periods)
        if last["PT"] in sols:
            p = dict(params, **{param: last["PAR(1)"]})
            end["saddle"] = sad = _saddle(model, p, sols[last["PT"]])
            rate = min(abs(e.real) for e in sad["eigenvalues"])
            if sad["kind"] == "saddle" and rate * last["PERIOD"] > 36:
                # |p - p_h| ~ exp(-rate T) < 1e-15: the last value is the homoclinic one
                end["extrapolated"] = {"law": "saddle", "param": last["PAR(1)"], "rate": rate,
                                       "bound": math.exp(-rate * last["PERIOD"])}
    special = [{"type": _SPECIAL[r["TY"]], "param": r["PAR(1)"], "period": r["PERIOD"], "index": j}
               for j, r in enumerate(keep) if r["TY"] in _SPECIAL and j > 0]
    special = [s for s in special if not (s is special[-1] and end["type"] in ("hopf", "homoclinic")
                                          and s["index"] == len(keep) - 1)]
    if end["type"] == "homoclinic":  # LP tests fire on the flat tail's 1e-16 wiggles
        special = [f for f in special if not (f["type"] == "fold_of_cycles"
                                              and f["period"] > period_max / 10)]
    folds = [dict(f, source="AUTO LP") for f in special if f["type"] == "fold_of_cycles"]
    for f in _extremum_folds(values, periods):
        longest = max(f["period"], f.get("period_range", (0, 0))[1])
        tail = end["type"] == "homoclinic" and longest > period_max / 10
        if not tail and all(abs(f["index"] - g["index"]) > 3 for g in folds):
            folds.append(f)
    folds.sort(key=lambda f: f["index"])
    return {
        "values": values.tolist(), "period": periods.tolist(),
        "l2norm": [r["L2-NORM"] for r in keep],
        "max": {nm: hi_[:, i].tolist() for i, nm in enumerate(names)},
        "min": {nm: lo_[:, i].tolist() for i, nm in enumerate(names)},
        "stable": [r["stable"] for r in keep],
        "multipliers": [mult.get(r["PT"], []) for r in keep],
        "special": special, "folds": folds,
        "end": end, "points": len(keep),
    }
