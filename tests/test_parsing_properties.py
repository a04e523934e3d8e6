"""Property tests of the .ode reader and writer (hypothesis, fixed profile in conftest).

* random well-formed expressions survive text -> Model -> text -> Model unchanged;
* random sympy-built models survive Model -> text -> Model unchanged;
* random, mutated and hostile text gives ModelError and nothing else, with no side effects.
"""

import os
import tempfile
import warnings
from pathlib import Path

import sympy as sp
from hypothesis import assume, given, strategies as st

from dynsys.core.model import Model
from dynsys.core.odefile import format_ode
from dynsys.core.symbols import heav, symbols
from dynsys.errors import ModelError

NAMES = ["x", "y", "a", "b", "I", "t"]
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "atan", "abs", "sign", "heav", "erf"]
BINARY = ["min", "max", "atan2"]
HEADER = "par a=0.5, b=-2, I=3\n"

numbers = st.one_of(
    st.integers(0, 50).map(str),
    st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["0.5", "1e-3", "2.5e2", "pi"]),
)


def parse_ode(text, name="model"):
    """The Model an .ode text declares (``Model.from_text``)."""
    return Model.from_text(text, name=name)
leaves = st.one_of(st.sampled_from(NAMES), numbers)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**"]), children).map(
            lambda p: f"({p[0]}){p[1]}({p[2]})" if p[1] in "^**/" else f"{p[0]} {p[1]} {p[2]}"
        ),
        children.map(lambda c: f"-({c})"),
        st.tuples(st.sampled_from(UNARY), children).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(st.sampled_from(BINARY), children, children).map(
            lambda p: f"{p[0]}({p[1]}, {p[2]})"
        ),
        st.tuples(children, st.integers(-3, 4)).map(lambda p: f"({p[0]})^({p[1]})"),
        # XPPAUT's comparisons, logic and conditionals (0/1 values, Piecewise)
        st.tuples(children, st.sampled_from([">", "<", ">=", "<=", "==", "!=", "&", "|"]),
                  children).map(lambda p: f"({p[0]}){p[1]}({p[2]})"),
        children.map(lambda c: f"not({c})"),
        st.tuples(children, children, children)
        .map(lambda p: f"if({p[0]})then({p[1]})else({p[2]})"),
        st.tuples(children, children).map(lambda p: f"mod({p[0]}, {p[1]})"),
        children.map(lambda c: f"flr({c})"),
    )


expressions = st.recursive(leaves, _combine, max_leaves=12)


def _parse_or_skip(text):
    try:
        return parse_ode(text, name="random")
    except ModelError:  # 1/0, log(-1), ... in a random expression: a legitimate refusal
        assume(False)


@given(expressions, expressions)
def test_random_expressions_round_trip(ex, ey):
    m1 = _parse_or_skip(f"{HEADER}x' = {ex}\ny' = {ey}\naux s = ({ex})*({ey})\n")
    text = format_ode(m1)
    m2 = parse_ode(text, name="random")
    assert m2 == m1
    assert format_ode(m2) == text


x, y, a, b = symbols("x y a b")
sym_leaves = st.one_of(
    st.sampled_from([x, y, a, b]),
    st.integers(-5, 5).map(sp.Integer),
    st.fractions(max_denominator=7).map(lambda f: sp.Rational(f.numerator, f.denominator)),
    st.floats(-1e3, 1e3, allow_nan=False).map(sp.Float),
)


def _sym_combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, children).map(lambda p: p[0] - p[1]),
        st.tuples(children, st.integers(-3, 3)).map(lambda p: p[0] ** p[1])
        .filter(lambda e: not e.has(sp.zoo, sp.nan)),  # 0**-1
        st.tuples(st.sampled_from([sp.exp, sp.tanh, sp.sin, sp.Abs, sp.sign, heav]), children)
        .map(lambda p: p[0](p[1])),
        st.tuples(children, children).map(lambda p: sp.Max(p[0], p[1])),
        st.tuples(children, children, children)
        .map(lambda p: sp.Piecewise((p[0], p[1] > p[2]), (p[2], True))),
        children.map(sp.floor),
        st.tuples(children, st.integers(1, 5)).map(lambda p: sp.Mod(p[0], p[1])),
        st.tuples(children, children).map(lambda p: sp.Heaviside(p[0] - p[1], 0)),
    )


@given(st.recursive(sym_leaves, _sym_combine, max_leaves=10),
       st.recursive(sym_leaves, _sym_combine, max_leaves=10),
       st.floats(-1e6, 1e6, allow_nan=False), st.floats(0.01, 10))
def test_sympy_models_round_trip(fx, fy, pa, sigma):
    try:
        m = Model({x: fx, y: fy}, params={a: pa, b: 1.5}, noise={y: sigma * b},
                  region={x: (-1, 1), y: (0, 2)}, init={x: 0.25}, name="sym",
                  options={"dt": 0.01, "total": 3})
    except ModelError:
        assume(False)
    assume(not (fy.is_Float and fy.is_zero))  # 0.0 + sigma*w reads back as the integer 0
    try:
        text = format_ode(m)
    except ModelError:
        assume(False)  # a Float beyond float64 range
    try:
        again = parse_ode(text, name="sym")
    except ModelError as exc:  # exp(710): finite for sympy, not in float64
        assert "non-finite" in str(exc) or "beyond float64" in str(exc)
        assume(False)
    assert again == m


# --------------------------------------------------------------------------- hostility
CANARY = Path(tempfile.gettempdir()) / f"dynsys_parsing_canary_{os.getpid()}"
C = str(CANARY)
HOSTILE = [
    f"__import__('os').system('touch {C}')",
    f"open('{C}', 'w')",
    f"eval(\"open('{C}', 'w')\")",
    f"exec(\"open('{C}', 'w')\")",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    f"(lambda: open('{C}', 'w'))()",
    f"[open('{C}', 'w') for _ in (1,)]",
    f"f'{{open(\"{C}\", \"w\")}}'",
    "globals()", "locals()", "vars()", "getattr(x, 'real')", "compile('1', '', 'eval')",
    "Symbol('x')", "sympify('1')", "S('1')", "Integer(1)", "oo", "zoo", "nan", "I**2",
    "x if x else y", "x and y", "not x", "x @ y", "x // y", "~x", "x := 1", "*x",
    "max(*[x])", "max(x, **{})", "x[0]", "x.real", "x' = 1", "yield x", "await x",
    "9**9**9**9", "10**10**10", "(" * 300 + "x" + ")" * 300, "-" * 5000 + "x",
    "1/0", "exp(exp(exp(10)))", "log(0)", "b'x'", "1j", "True", "None", "...",
    "\\", "#", "'", '"', "\x00", "\ufeff", "\u00e9", "\x1b[2J",
]
hostile = st.sampled_from(HOSTILE)
STATEMENT_FORMS = [
    "x' = {}", "dx/dt = {}", "par a={}", "p a=1, b={}", "init x={}", "x(0)={}",
    "number c={}", "!d={}", "aux q={}", "f(s)={}", "u={}", "@ dt={}", "@ xlo={}, xhi=1",
    "wiener {}", "{}", "# dynsys: region x={}:1", "table {}",
]
VALID = "par a=1, b=2\nf(s) = 1/(1+exp(-s))\nx' = -x + f(a*y)\ny' = -y + f(b*x)\ninit x=1\n"


def _only_model_errors(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parse_ode(text)
        except ModelError:
            pass
    assert not CANARY.exists()


@given(hostile, st.sampled_from(STATEMENT_FORMS), st.integers(0, 5))
def test_hostile_snippets_give_model_error(snippet, form, where):
    lines = VALID.splitlines()
    lines.insert(where, form.replace("{}", snippet))
    text = "\n".join(lines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = parse_ode(text)
        except ModelError:
            model = None
    assert not CANARY.exists()
    if model is not None:  # only harmless forms may pass, and then as plain sympy data
        for expr in model.rhs:
            assert expr.free_symbols <= {*model.states, *model.param_symbols,
                                         sp.Symbol("t", real=True)}


@given(st.text(max_size=200))
def test_random_text_gives_model_error_or_a_model(text):
    _only_model_errors(text)


@given(st.binary(max_size=200))
def test_random_bytes_give_model_error_or_a_model(data):
    _only_model_errors(data)


@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 3),
                          st.text("()^*+-/=,'@!#x yabt0123.e\\\n", max_size=4)),
                min_size=1, max_size=6))
def test_mutated_valid_files_give_model_error_or_a_model(edits):
    text = VALID
    for pos, cut, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + cut:]
    _only_model_errors(text)


@given(st.integers(101, 3000), st.sampled_from(["(", "sin(", "-(", "f(", "2^("]))
def test_deep_nesting_is_a_model_error(depth, opener):
    text = "f(s) = s\nx' = " + opener * depth + "x" + ")" * (depth * opener.count("("))
    try:
        parse_ode(text)
    except ModelError as exc:
        assert "line 2" in str(exc)
    else:
        raise AssertionError("deep nesting was accepted")
