"""Rate networks from files: weight matrices (``.npz``, ``.npy``, ``.mtx``) and a small
declarative TOML spec, read safely into a :class:`~dynsys.core.rate_network.RateNetwork`.

The spec (a ``.toml`` file; paths inside it are relative to the spec's folder)::

    [network]
    name = "ei"                          # default: the file's stem
    description = "An E-I network"
    weights = "W.npz"                    # required: .npz, .npy or .mtx
    weights_key = "W"                    # the array's name in an .npz (default "W")
    sparse = true                        # store W sparse or dense (default: as read)
    activation = "1/(1+exp(-s))"         # one free symbol; default the logistic
    tau = 1.0                            # number, list of n numbers, or a .npy path
    inputs = 0.0                         # per-unit inputs I (number, list or .npy path)
    sigma = 0.0                          # noise amplitudes
    gain = 1.0                           # default of the parameter g
    global_input = 0.0                   # default of the parameter I0
    param_names = ["g", "I0"]            # names of those two parameters
    f_range = [0.0, 1.0]                 # the range of f (= the region); alias: region

    [populations.E]                      # optional, consecutive blocks in this order
    size = 800
    tau = 1.0                            # size, activation, tau, inputs, sigma, f_range
    [populations.I]
    size = 200
    activation = "tanh(s)"
    tau = 0.5

The activation text is parsed by walking Python's syntax tree (:mod:`ast`) and building
sympy objects from a whitelist (numbers, ``+ - * / **``, ``pi``, ``e``, and the
functions in :data:`ACTIVATION_FUNCTIONS`): nothing is ever evaluated, and the expression
must hold exactly one free symbol. ``.npz``/``.npy`` files are read with
``allow_pickle=False``. Every problem (missing file, non-square or non-finite W, unknown
key, hostile text) is a :class:`~dynsys.errors.ModelError` with a one-line message.

References
----------
Tom Preston-Werner et al., *TOML v1.0.0* (2021), https://toml.io/en/v1.0.0.
R. F. Boisvert, R. Pozo and K. A. Remington, *The Matrix Market exchange formats*, NIST
(1996), https://math.nist.gov/MatrixMarket/formats.html.
"""

from __future__ import annotations

import ast
import os
import stat
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
import scipy.sparse as sps
import sympy as sp

from dynsys._types import FloatArray
from dynsys.core.rate_network import RateNetwork
from dynsys.errors import ModelError

__all__ = ["ACTIVATION_FUNCTIONS", "MAX_DENSE_ENTRIES", "MAX_NETWORK_UNITS",
           "MAX_SPARSE_ENTRIES", "WEIGHT_SUFFIXES", "load_weights", "network_from_weights",
           "parse_activation", "read_network"]

#: Functions an activation may call (lower-case names; ``abs``, ``max``, ``min`` too).
ACTIVATION_FUNCTIONS: dict[str, Any] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan,
    "arctan": sp.atan, "erf": sp.erf, "erfc": sp.erfc, "abs": sp.Abs, "max": sp.Max,
    "min": sp.Min, "heaviside": lambda s: sp.Heaviside(s, 1),
}
_CONSTANTS = {"pi": sp.pi, "e": sp.E}
#: Most units a network file may declare, and most characters of an activation or spec.
MAX_NETWORK_UNITS = 200_000
#: Most entries of a dense W, and most stored entries of a sparse one (checked before
#: reading: a compressed file of zeros is small on disk).
MAX_DENSE_ENTRIES = 250_000_000
MAX_SPARSE_ENTRIES = 200_000_000
_MAX_TEXT = 1000
_MAX_SPEC_BYTES = 1_000_000
_MAX_EXPONENT = 100

_NETWORK_KEYS = {"name", "description", "weights", "weights_key", "sparse", "activation",
                 "tau", "inputs", "sigma", "gain", "global_input", "param_names", "f_range",
                 "region"}
_POPULATION_KEYS = {"size", "activation", "tau", "inputs", "sigma", "f_range", "region"}


# ----------------------------------------------------------------------------- activation
def _build(node: ast.AST, names: dict[str, sp.Symbol], depth: int) -> sp.Expr:
    """The sympy expression of one whitelisted syntax node (never evaluated)."""
    if depth > 50:
        raise ModelError("activation is nested too deeply")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = node.value
        if not np.isfinite(value):
            raise ModelError(f"activation has a non-finite number {value!r}")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if isinstance(node, ast.Name):
        key = node.id
        if key.lower() in _CONSTANTS:
            return _CONSTANTS[key.lower()]
        if key.lower() in ACTIVATION_FUNCTIONS:
            raise ModelError(f"activation uses the function {key!r} without arguments")
        return names.setdefault(key, sp.Symbol(key, real=True))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        arg = _build(node.operand, names, depth + 1)
        return -arg if isinstance(node.op, ast.USub) else arg
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult |
                                                  ast.Div | ast.Pow):
        a = _build(node.left, names, depth + 1)
        b = _build(node.right, names, depth + 1)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div):
            if b.is_zero:
                raise ModelError("activation divides by zero")
            return a / b
        if b.is_number and abs(float(b)) > _MAX_EXPONENT:  # 9**9**9 never computed
            raise ModelError(f"activation has an exponent beyond {_MAX_EXPONENT}")
        return a ** b
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fn = ACTIVATION_FUNCTIONS.get(node.func.id.lower())
        if fn is None:
            raise ModelError(f"activation calls {node.func.id!r}, not an allowed function "
                             f"({', '.join(sorted(ACTIVATION_FUNCTIONS))})")
        args = [_build(a, names, depth + 1) for a in node.args]
        if any(isinstance(a, ast.Starred) for a in node.args) or not args:
            raise ModelError(f"activation calls {node.func.id} without plain arguments")
        try:
            return fn(*args)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"activation: {node.func.id} cannot take {len(args)} "
                             f"argument(s): {exc}") from None
    if isinstance(node, ast.Call | ast.Attribute):
        raise ModelError("activation may call only the allowed functions by their plain "
                         f"names ({', '.join(sorted(ACTIVATION_FUNCTIONS))})")
    raise ModelError(f"activation holds {type(node).__name__}, which is not allowed "
                     "(numbers, one variable, + - * / **, and functions only)")


def parse_activation(text: str) -> sp.Expr:
    """An activation's text as a sympy expression in exactly one free (real) symbol.

    The text is parsed by :func:`ast.parse` and rebuilt from a whitelist; it is never
    evaluated.

    Raises
    ------
    ModelError
        For anything else: other names or functions, attribute access, strings, more or
        fewer than one variable, text longer than 1000 characters.

    Examples
    --------
    >>> parse_activation("1/(1+exp(-s))")
    1/(1 + exp(-s))
    >>> parse_activation("max(0, tanh(2*u))")
    Max(0, tanh(2*u))
    """
    if not isinstance(text, str):
        raise ModelError(f"activation must be text such as \"1/(1+exp(-s))\", got {text!r}")
    if len(text) > _MAX_TEXT:
        raise ModelError(f"activation text is longer than {_MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ModelError(f"activation {text[:80]!r} is not a valid expression") from None
    names: dict[str, sp.Symbol] = {}
    try:
        expr = sp.sympify(_build(tree.body, names, 0))
    except RecursionError:
        raise ModelError("activation is nested too deeply") from None
    if len(expr.free_symbols) != 1:
        found = ", ".join(sorted(map(str, expr.free_symbols))) or "none"
        raise ModelError(f"activation must have exactly one variable, got {found} in {text!r}")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I):
        raise ModelError(f"activation {text!r} is not finite or not real")
    return expr


# ----------------------------------------------------------------------------- weights
def _regular_file(path: Path, what: str) -> None:
    try:
        info = os.stat(path)
    except OSError:
        raise ModelError(f"{what} {str(path)!r} does not exist") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{what} {str(path)!r} is not a regular file")


def _checked_shape(shape: Any, path: Path) -> None:
    shp = tuple(int(v) for v in shape)
    if len(shp) != 2 or shp[0] != shp[1] or shp[0] < 1:
        raise ModelError(f"W in {path.name} must be a square (n, n) matrix, got shape {shp}")
    if shp[0] > MAX_NETWORK_UNITS:
        raise ModelError(f"W in {path.name} has {shp[0]} units; at most {MAX_NETWORK_UNITS}")


def _npz_header(path: Path, key: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of the array ``key`` of an .npz, read from its header only."""
    with zipfile.ZipFile(path) as archive, archive.open(f"{key}.npy") as fh:
        version = np.lib.format.read_magic(fh)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read(fh)
    return tuple(int(v) for v in shape), dtype


def _check_size(shape: tuple[int, ...], path: Path, *, sparse: bool) -> None:
    entries = int(np.prod(shape, dtype=np.float64))
    limit = MAX_SPARSE_ENTRIES if sparse else MAX_DENSE_ENTRIES
    if entries > limit:
        what = "stored entries" if sparse else "entries (store a large W sparse)"
        raise ModelError(f"W in {path.name} has {entries} {what}; at most {limit}")


def _real(array: Any, path: Path) -> Any:
    dtype = array.dtype
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)
            or dtype == np.bool_):
        raise ModelError(f"W in {path.name} must hold real numbers, got dtype {dtype}")
    return array


def load_weights(path: str | Path, key: str = "W") -> FloatArray | sps.csr_matrix:
    """A weight matrix from ``.npz`` (the array ``key``, or scipy.sparse's ``save_npz``
    format), ``.npy`` or Matrix Market ``.mtx``: dense float64 or CSR, square, finite.

    Raises
    ------
    ModelError
        Missing file, unknown suffix, unreadable content, a missing key, a non-square,
        complex or non-finite matrix.

    Examples
    --------
    >>> import tempfile, numpy as np, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "W.npy", np.eye(3))
    >>> load_weights(folder / "W.npy").shape
    (3, 3)
    """
    path = Path(path)
    _regular_file(path, "weights file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
            _checked_shape(arr.shape, path)
            _check_size(arr.shape, path, sparse=False)
            mat: Any = np.array(_real(arr, path), dtype=np.float64)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                files = set(data.files)
                if key in files:
                    shape, _ = _npz_header(path, key)
                    _checked_shape(shape, path)
                    _check_size(shape, path, sparse=False)
                    mat = np.array(_real(data[key], path), dtype=np.float64)
                elif {"format", "shape", "data"} <= files:  # scipy.sparse.save_npz
                    _checked_shape(data["shape"], path)
                    for part in ("data", "indices", "row", "col"):
                        if part in files:
                            _check_size(_npz_header(path, part)[0], path, sparse=True)
                    mat = sps.load_npz(path)
                else:
                    raise ModelError(f"{path.name} holds no array named {key!r} (it holds "
                                     f"{', '.join(sorted(files)) or 'nothing'}); set "
                                     "weights_key")
        elif suffix == ".mtx":
            rows, cols, entries, fmt, field, _ = scipy.io.mminfo(path)
            _checked_shape((rows, cols), path)
            _check_size((entries,), path, sparse=fmt == "coordinate")
            if field == "complex":
                raise ModelError(f"W in {path.name} must be real, got a complex matrix")
            read = scipy.io.mmread(path)
            mat = sps.csr_matrix(read) if fmt == "coordinate" else np.asarray(read, float)
        else:
            raise ModelError(f"weights file {path.name!r} must be .npz, .npy or .mtx")
    except ModelError:
        raise
    except (OSError, ValueError, TypeError, KeyError, EOFError, IndexError,
            zipfile.BadZipFile, NotImplementedError) as exc:
        raise ModelError(f"cannot read weights file {path.name}: "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                         ) from None
    if sps.issparse(mat):
        mat = sps.csr_matrix(mat)
        _checked_shape(mat.shape, path)
        if not np.issubdtype(mat.dtype, np.number) or np.iscomplexobj(mat.data):
            raise ModelError(f"W in {path.name} must hold real numbers")
        mat = mat.astype(np.float64)
        values = mat.data
    else:
        values = mat
    if not np.all(np.isfinite(values)):
        raise ModelError(f"W in {path.name} must be finite (it holds inf or nan)")
    return mat


# ----------------------------------------------------------------------------- the spec
def _text_of(path: Path) -> str:
    _regular_file(path, "network file")
    with open(path, "rb") as fh:
        raw = fh.read(_MAX_SPEC_BYTES + 1)
    if len(raw) > _MAX_SPEC_BYTES:
        raise ModelError(f"network file {path.name} is larger than {_MAX_SPEC_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"network file {path.name} is not UTF-8 text") from None


def _check_keys(table: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ModelError(f"{where} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ModelError(f"unknown key{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))} in {where}; allowed: "
                         f"{', '.join(sorted(allowed))}")
    return table


def _vector(value: Any, base: Path, what: str) -> Any:
    """A number, a list of numbers or a .npy file (relative to the spec) as numpy data."""
    if isinstance(value, bool):
        raise ModelError(f"{what} must be a number, a list of numbers or a .npy file, "
                         f"got {value!r}")
    if isinstance(value, str):
        path = base / value
        if path.suffix.lower() != ".npy":
            raise ModelError(f"{what}: a file of values must be .npy, got {value!r}")
        _regular_file(path, f"{what} file")
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise ModelError(f"cannot read {what} file {path.name}: {exc}") from None
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise ModelError(f"{what} file {path.name} must hold a vector of real numbers")
        return np.asarray(arr, dtype=np.float64)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                       for v in value):
        return np.array(value, dtype=np.float64)
    raise ModelError(f"{what} must be a number, a list of numbers or a .npy file, got "
                     f"{str(value)[:60]!r}")


def _pair(table: dict[str, Any], where: str) -> Any:
    if "f_range" in table and "region" in table:
        raise ModelError(f"{where} gives both f_range and region (the same thing): keep one")
    value = table.get("f_range", table.get("region"))
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        raise ModelError(f"f_range in {where} must be two numbers [low, high], got {value!r}")
    return tuple(float(v) for v in value)


def _number(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"{key} must be a number, got {value!r}")
    return float(value)


def _populations_of(spec: dict[str, Any], net: dict[str, Any], base: Path
                    ) -> tuple[dict[str, int] | None, dict[str, Any]]:
    """Population sizes and the keyword arguments f, tau, I, sigma, f_range."""
    default_f = parse_activation(net["activation"]) if "activation" in net else None
    shared = {"tau": _vector(net.get("tau", 1.0), base, "tau"),
              "inputs": _vector(net.get("inputs", 0.0), base, "inputs"),
              "sigma": _vector(net.get("sigma", 0.0), base, "sigma")}
    kwargs: dict[str, Any] = {"f": default_f, "f_range": _pair(net, "[network]"),
                              "tau": shared["tau"], "I": shared["inputs"],
                              "sigma": shared["sigma"]}
    pops = spec.get("populations")
    if pops is None:
        return None, kwargs
    if not isinstance(pops, dict) or not pops:
        raise ModelError("[populations] must hold one table per population, e.g. "
                         "[populations.E] size = 800")
    sizes: dict[str, int] = {}
    per: dict[str, dict[str, Any]] = {k: {} for k in ("f", "f_range", "tau", "I", "sigma")}
    for name, table in pops.items():
        where = f"[populations.{name}]"
        _check_keys(table, _POPULATION_KEYS, where)
        size = table.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ModelError(f"{where} needs a positive integer size, got {size!r}")
        sizes[name] = size
        per["f"][name] = (parse_activation(table["activation"]) if "activation" in table
                          else default_f)
        per["f_range"][name] = _pair(table, where) or kwargs["f_range"]
        for key, arg in (("tau", "tau"), ("inputs", "I"), ("sigma", "sigma")):
            if key in table:
                if not isinstance(shared[key], float):
                    raise ModelError(f"{key} is given for every unit in [network] and again "
                                     f"in {where}: give it in one place")
                per[arg][name] = _vector(table[key], base, f"{key} of {name}")
    for key, arg in (("tau", "tau"), ("inputs", "I"), ("sigma", "sigma")):
        if per[arg]:  # some population sets it: the others take the [network] number
            kwargs[arg] = {k: per[arg].get(k, shared[key]) for k in sizes}
    kwargs["f"] = per["f"]
    kwargs["f_range"] = per["f_range"]
    return sizes, kwargs


#: Suffixes of weight files that load as a network on their own.
WEIGHT_SUFFIXES = (".npz", ".npy", ".mtx")


def network_from_weights(path: str | Path) -> RateNetwork:
    """A logistic :class:`~dynsys.core.rate_network.RateNetwork` on the W of a weights
    file (``W`` of an .npz), named after the file: ``dynsys show W.npz``.

    Examples
    --------
    >>> import tempfile, numpy as np, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "chain.npy", np.eye(4, k=-1))
    >>> net = network_from_weights(folder / "chain.npy")
    >>> net.name, net.n, net.region["x1"]
    ('chain', 4, (0.0, 1.0))
    """
    path = Path(path)
    stem = path.stem if path.stem.isidentifier() else "network"
    return RateNetwork(load_weights(path), name=stem,
                       description=f"logistic rate network on the weights of {path.name}")


def read_network(path: str | Path) -> RateNetwork:
    """The :class:`~dynsys.core.rate_network.RateNetwork` a TOML spec declares (the format
    is in the module docstring; relative paths are relative to the spec's folder).

    Raises
    ------
    ModelError
        On any problem in the spec or the files it names (one line).

    Examples
    --------
    >>> import tempfile, numpy as np, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "W.npy", np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> _ = (folder / "pair.toml").write_text('[network]\\nweights = "W.npy"\\n'
    ...                                       'activation = "tanh(s)"\\ngain = 0.5\\n')
    >>> net = read_network(folder / "pair.toml")
    >>> net.name, net.n, net.default_params.tolist(), net.region["x1"]
    ('pair', 2, [0.5, 0.0], (-1.0, 1.0))
    """
    path = Path(path)
    text = _text_of(path)
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"network file {path.name} is not valid TOML: {exc}") from None
    _check_keys(spec, {"network", "populations"}, f"network file {path.name}")
    if "network" not in spec:
        raise ModelError(f"network file {path.name} has no [network] table")
    net = _check_keys(spec["network"], _NETWORK_KEYS, "[network]")
    if "weights" not in net or not isinstance(net["weights"], str):
        raise ModelError("[network] needs weights = \"file.npz\" (.npz, .npy or .mtx)")
    key = net.get("weights_key", "W")
    if not isinstance(key, str):
        raise ModelError(f"weights_key must be text, got {key!r}")
    base = path.resolve().parent
    weights = load_weights(base / net["weights"], key)
    if "sparse" in net:
        if not isinstance(net["sparse"], bool):
            raise ModelError(f"sparse must be true or false, got {net['sparse']!r}")
        if net["sparse"] and not sps.issparse(weights):
            weights = sps.csr_matrix(weights)
        elif not net["sparse"] and sps.issparse(weights):
            weights = weights.toarray()
    sizes, kwargs = _populations_of(spec, net, base)
    names = net.get("param_names", ["g", "I0"])
    if not (isinstance(names, list) and all(isinstance(k, str) for k in names)):
        raise ModelError(f"param_names must be a list of two names, got {names!r}")
    stem = path.stem if path.stem.isidentifier() else "network"
    name = net.get("name", stem)
    description = net.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise ModelError("name and description must be text")
    return RateNetwork(weights, g=_number(net, "gain", 1.0),
                       I0=_number(net, "global_input", 0.0), param_names=tuple(names),
                       name=name, description=description, populations=sizes, **kwargs)
