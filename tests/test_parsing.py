"""The XPPAUT .ode reader and writer (dynsys.core.odefile): semantics, traps, errors, CLI."""

import warnings

import pytest
import sympy as sp

from dynsys.cli import main
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.odefile import IgnoredOptionWarning, format_ode
from dynsys.core.symbols import heav, symbols, time_symbol
from dynsys.errors import ModelError


def parse_ode(text, name="model"):
    """The Model an .ode text declares (``Model.from_text``)."""
    return Model.from_text(text, name=name)


x, y, a, b, v, w, I, t = symbols("x y a b v w I t")

FHN = """\
# FitzHugh-Nagumo, as an XPPAUT user writes it
dv/dt = v - v^3/3 - w + I
w' = eps*(v + a - b*w)
par I=0.5, a=0.7
param b=0.8 eps=0.08
v(0)=-1
init w=1
@ dt=0.05, total=200
@ xp=v, yp=w, xlo=-2.5, xhi=2.5, ylo=-1.5, yhi=2.5
done
"""


def rhs(text, state=0):
    return parse_ode(text).rhs[state]


# --------------------------------------------------------------------------- precedence
def test_power_traps():
    assert rhs("x' = -x^2") == -(x**2)
    assert rhs("x' = a-b^2\npar a=1, b=2") == a - b**2
    assert rhs("x' = 2^(-1) + x") == sp.Rational(1, 2) + x
    assert rhs("x' = x**3 - x^3") == 0
    assert rhs("v' = v - v^3/3") == v - v**3 / 3
    # XPPAUT's ^ is left-associative: 2^3^2 = (2^3)^2 = 64 (its parser, checked against
    # the real program in test_xppaut_conformance.py), not 2^(3^2) = 512
    assert rhs("x' = 2^3^2 + 0*x") == 64
    assert rhs("x' = a^b^2\npar a=1, b=2") == (a**b) ** 2
    # a sign right after a binary operator is a syntax error in XPPAUT, and here
    for text in ("x' = 2^-1 + x", "x' = x*-2", "x' = x > -1"):
        with pytest.raises(ModelError, match="sign right after"):
            rhs(text)


def test_sympy_names_are_ordinary_real_symbols():
    m = parse_ode("x' = -x + I + E*N + S + gamma + beta + Q + O + zeta\n"
                  "par I=1, E=2, N=3, S=4, gamma=5, beta=6, Q=7, O=8, zeta=9")
    names = {s.name for s in m.rhs[0].free_symbols}
    assert names == {"x", "I", "E", "N", "S", "gamma", "beta", "Q", "O", "zeta"}
    assert all(s.is_real and isinstance(s, sp.Symbol) for s in m.rhs[0].free_symbols)
    assert not m.rhs[0].has(sp.I, sp.E, sp.EulerGamma)
    i_sym = next(s for s in m.rhs[0].free_symbols if s.name == "I")
    assert i_sym.is_real and i_sym == I
    assert m.params["I"] == 1.0


def test_pi_is_the_number_and_cannot_be_declared():
    # XPPAUT's PI is a built-in constant: declaring it is a duplicate name there too
    assert rhs("x' = pi*x") == sp.pi * x
    assert rhs("x' = PI*x") == sp.pi * x
    with pytest.raises(ModelError, match="'pi' is a built-in"):
        parse_ode("x' = pi*x\npar pi=2")


def test_python_keywords_are_names():
    m = parse_ode("x' = -lambda*x + in\npar lambda=2, in=1")
    assert m.param_names == ("lambda", "in")
    assert m.rhs[0].subs({x: 1, sp.Symbol("lambda", real=True): 2,
                          sp.Symbol("in", real=True): 1}) == -1
    assert parse_ode(m.to_ode()) == m


# --------------------------------------------------------------------------- statements
def test_fitzhugh_nagumo_ode_matches_builtin():
    ref = load_model("fitzhugh_nagumo")
    m = parse_ode(FHN, name="fitzhugh_nagumo")
    assert m.equations == ref.equations
    assert m.params == ref.params
    assert m.region == ref.region and m.init == ref.init
    assert dict(m.options) == dict(ref.options)
    assert m == ref.replace(description="")


def test_functions_numbers_derived_and_fixed_quantities_are_inlined():
    text = """
    number c=3, half=1/2
    f(s) = 50/(1 + exp(-s))
    g(p, q) = p*q + c
    !w2 = 2*w1
    u = w2*y + I
    x' = -x + f(u) + g(x, y)*half
    y' = -y + f(w1*x + I)
    par w1=0.4, I=-10
    """
    m = parse_ode(text)
    w1 = sp.Symbol("w1", real=True)
    f = lambda s: 50 / (1 + sp.exp(-s))  # noqa: E731
    assert m.rhs[0] == -x + f(2 * w1 * y + I) + (x * y + 3) / 2
    assert m.rhs[1] == -y + f(w1 * x + I)
    assert m.param_names == ("w1", "I")  # numbers and derived parameters are not params


def test_noise_from_wiener_terms_and_round_trip():
    m = parse_ode("wiener w1, w2\nx' = -x + sigma*w1\ny' = (w2*s - y)/tau\n"
                  "par sigma=0.5, s=2, tau=4")
    sig, s_, tau = symbols("sigma s tau")
    assert m.rhs == (-x, -y / tau)
    assert m.noise["x"] == sig and m.noise["y"] == s_ / tau
    text = m.to_ode()
    assert "wiener" in text
    assert parse_ode(text) == m


def test_two_wieners_on_one_state_combine():
    m = parse_ode("wiener u1 u2\nx' = -x + 3*u1 + 4*u2")
    assert m.noise["x"] == 5


def test_bad_noise_is_rejected():
    with pytest.raises(ModelError, match=r"additive.*'x'"):
        parse_ode("wiener w\nx' = -x + x*w")
    with pytest.raises(ModelError, match=r"additive.*'t'"):
        parse_ode("wiener w\nx' = -x + t*w")
    with pytest.raises(ModelError, match="'w' feeds both 'x' and 'y'"):
        parse_ode("wiener w\nx' = -x + w\ny' = -y + w")
    with pytest.raises(ModelError, match=r"line 2.*'w'"):
        parse_ode("wiener w\nx' = sin(w)")


def test_time_dependent_pulse():
    m = parse_ode("x' = -x + I + A*heav(t - 5)*heav(10 - t)\npar I=0, A=2")
    assert not m.is_autonomous and not m.is_smooth
    A = sp.Symbol("A", real=True)
    assert m.rhs[0] == -x + I + A * heav(time_symbol - 5) * heav(10 - time_symbol)
    assert m.rhs[0].subs({x: 0, I: 0, A: 2, time_symbol: 5}) == 2  # heav(0) = 1
    assert parse_ode(m.to_ode()) == m


def test_nonsmooth_functions_round_trip():
    m = parse_ode("x' = abs(x) + sign(y) + min(x, y) + max(x, 1, y) + heav(x)\ny' = atan2(y, x)")
    assert m.rhs[0].has(sp.Abs, sp.sign, sp.Min, sp.Max, sp.Heaviside)
    text = m.to_ode()
    for word in ("abs(", "sign(", "min(", "max(", "heav(", "atan2("):
        assert word in text
    assert parse_ode(text) == m


def test_aux_init_and_options():
    with pytest.warns(IgnoredOptionWarning) as record:
        m = parse_ode("x' = -x\naux double = 2*x\ninit x=3\n"
                      "@ dt=0.01, total=5, meth=runge, bound=1000, xlo=0, nplot=2, lt=1\n"
                      "@ trans=1, nout=2, maxstor=5000, colormap=3\n")
    messages = [str(r.message) for r in record]
    # one summary line for the display options, one for xlo without its partner
    assert any("nplot, lt, colormap" in msg for msg in messages)
    assert any("xlo" in msg and "partner" in msg for msg in messages)
    assert len(messages) == 2
    assert m.aux["double"] == 2 * x
    assert m.init == {"x": 3.0}
    assert dict(m.options) == {"dt": 0.01, "total": 5.0, "meth": "rk4", "bound": 1000.0,
                               "trans": 1.0, "nout": 2, "maxstor": 5000}
    assert m.region is None  # xlo without xhi
    assert parse_ode(m.to_ode()) == m  # the options round trip
    assert parse_ode("x' = x/2\n@ meth=discrete").discrete  # a map (XPPAUT's meaning)
    # XPPAUT reads meth by its first character (load_eqn.c, "demragvbqsc582y"):
    # meth=magic is modeuler, meth=y the symplectic ymp, meth=8 Dormand-Prince 8(3)
    assert parse_ode("x' = x\n@ meth=magic").options["meth"] == "modeuler"
    assert parse_ode("x' = x\n@ meth=y").options["meth"] == "ymp"
    assert parse_ode("x' = x\n@ meth=8").options["meth"] == "83dp"
    with pytest.warns(IgnoredOptionWarning, match="meth=xyz"):  # XPPAUT keeps RK4
        assert "meth" not in parse_ode("x' = x\n@ meth=xyz").options


def test_region_of_further_states_in_a_directive():
    z = sp.Symbol("z", real=True)
    m = Model({x: -x, y: -y, z: -z}, region={x: (0, 1), z: (-2.5, 2.5)}, name="three")
    text = format_ode(m)
    assert "# dynsys: region z=-2.5:2.5" in text
    assert parse_ode(text, name="three") == m


def test_xp_yp_choose_the_region_states():
    m = parse_ode("x' = 1\ny' = 2\n@ xp=y, yp=x, xlo=0, xhi=1, ylo=2, yhi=3")
    assert m.region == {"x": (2.0, 3.0), "y": (0.0, 1.0)}
    with pytest.warns(IgnoredOptionWarning, match="xp=t"):
        m = parse_ode("x' = 1\n@ xp=t, xlo=0, xhi=10")
    assert m.region is None


def test_comments_continuations_case_and_done():
    m = parse_ode("# a comment\n\" an XPP note\nPAR a=1  # trailing comment\n"
                  "x' = -a*x \\\n   + 1\nDone\nthis is not read (\n")
    assert m.rhs[0] == -a * x + 1


def test_full_precision_round_trip():
    m = Model({x: sp.Float(0.1234567890123456789) * x - sp.Float(1e-300)},
              params={a: 1 / 3}, name="precise")
    assert m.param_names == ("a",)
    text = format_ode(m)
    assert "0.3333333333333333" in text
    assert parse_ode(text, name="precise") == m


def test_builtin_models_round_trip():
    from dynsys.core.loading import model_names

    for nm in model_names():
        ref = load_model(nm)
        if not isinstance(ref, Model):
            continue
        again = parse_ode(ref.to_ode(), name=ref.name)
        assert again == ref, nm
        assert again.to_ode() == ref.to_ode()


def test_load_model_from_ode_path(tmp_path):
    path = tmp_path / "fhn.ode"
    path.write_text(FHN)
    m = load_model(path)
    assert m.name == "fhn" and m.state_names == ("v", "w")
    (tmp_path / "junk.ode").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ModelError):
        load_model(tmp_path / "junk.ode")


def test_format_refuses_what_ode_cannot_say():
    with pytest.raises(ModelError, match=r"gamma|has no .ode form"):
        format_ode(Model({x: sp.gamma(x)}))
    with pytest.raises(ModelError, match="heav"):
        format_ode(Model({x: sp.Heaviside(x)}))  # value 1/2 at 0
    exp_ = sp.Symbol("exp", real=True)
    with pytest.raises(ModelError, match="'exp'"):
        format_ode(Model({x: -exp_ * x}, params={exp_: 1}))


# --------------------------------------------------------------------------- errors
ERRORS = [
    ("", "empty"),
    ("   \n# only a comment\n", "no equations"),
    ("x' = x\x00", "NUL"),
    (b"x' = \xff", "UTF-8"),
    ("x' = -x\ny' = -y + gamma", r"line 2: unknown name 'gamma'"),
    ("x' = 1\ninit z=1", r"line 2: init for unknown state 'z'"),
    ("x' = 1\nz(0)=1", r"line 2: init for unknown state 'z'"),
    ("x' = 1\ndx/dt = 2", r"line 2: second equation for 'x' \(first on line 1\)"),
    ("x' = a\npar a=1\npar a=2", r"line 3: second parameter 'a'"),
    ("x' = a\npar a=1/0", r"line 2: division by zero in parameter 'a'"),
    ("x' = a\npar a=foo", r"line 2: unknown name 'foo' in parameter 'a'"),
    ("x' = a\nb=1\npar a=b+x", r"line 3: parameter 'a' must be a finite number"),
    ("x' = a\npar a=exp(1000)", r"line 2: .*non-finite.*'exp\(1000\)'"),
    ("x' = ().__class__", r"line 1: unexpected character '\.'.*attribute access"),
    ("x' = __import__('os').system('touch x')", r"line 1: .*strings are not allowed"),
    ("x' = __import__(x)", r"line 1: call of '__import__' is not allowed"),
    ("x' = open(x)", r"line 1: call of 'open' is not allowed"),
    ("x' = eval(1)", r"line 1: call of 'eval' is not allowed"),
    ("x' = lambda: 1", r"line 1: unexpected character ':'"),
    ("x' = 'text'", r"line 1: .*'text'.*strings are not allowed"),
    ("x' = x[0]", r"line 1: unknown name 'x0'"),  # XPPAUT: x[0] outside arrays is x0
    ("x' = max(x, key=1)", r"line 1: unexpected character '='.*comparison is '=='"),
    ("x' = (x + 1", r"line 1: unbalanced parentheses"),
    ("x' = x + 1)", r"line 1: unbalanced parentheses"),
    ("x' = " + "(" * 150 + "x" + ")" * 150, r"line 1: .*nested more than 100"),
    ("x' = " + "-" * 100_000 + "x", r"line 1: a sign right after '-'"),
    ("x' = " + "sin(" * 120 + "x" + ")" * 120, r"line 1: .*nested more than 100"),
    ("f(s) = f(s) + 1\nx' = f(x)", r"line 1: recursive definition of 'f' \(f -> f\)"),
    ("f(s) = g(s)\ng(s) = 1 + f(s)\nx' = f(x)", r"recursive definition of 'f' \(f -> g -> f\)"),
    ("u = 2*v\nv = u\nx' = u", r"recursive definition"),
    ("x' = 1/0", r"line 1: division by zero"),
    ("x' = x/(x - x)", r"line 1: .*division by zero"),
    ("x' = x + exp(1000)", r"line 1: .*non-finite.*exp\(1000\)"),
    ("x' = 9^9^9^9", r"line 1: .*(exponent too large|non-finite)"),
    ("x' = sqrt(-1)*x", r"line 1: .*non-real.*sqrt\(-1\)"),
    ("x' = 1e999*x", r"line 1: .*non-finite"),
    ("x' = a*-b\npar a=1, b=2", r"line 1: a sign right after '\*'.*\*\(-\.\.\.\)"),
    ("x' = x % 2", r"line 1: unexpected character '%'.*use mod\(x, y\)"),
    ("x' = x\nfoo bar", r"line 2: unknown statement 'foo'"),
    ("x' = x\ntable f 3 0 2 1 2 3", r"line 2: a table is 'table NAME % NPTS XLO XHI"),
    ("x' = ran(1)", r"line 1: ran\(\) .*random numbers .*wiener"),
    ("x' = delay(x, 1)", r"line 1: delay\(\) .*delay equations are not supported"),
    ("x' = shift(x, 1)", r"line 1: shift\(x, 1\) .*goes past the declared states"),
    ("0 = x - 1\nx' = 1", r"line 1: algebraic equations"),
    ("x' = 1\nglobal 1 {x-1} {z=0}", r"line 2: 'global' assigns 'z', which is neither"),
    ("x' = 1\nglobal 2 {x-1} {x=0}", r"line 2: the sign of 'global' is -1, 0 or 1"),
    ("x' = 1\nglobal 1 {x-1} x=0", r"line 2: 'global' expects"),
    ("x' = 1\nglobal 1 {x-1} {arret=1}", r"line 2: XPPAUT's halt event 'arret'"),
    ("x' = 1\nglobal 1 {x-1 {x=0}", r"line 2: the condition of 'global' has no closing"),
    ("x' = 1\nmarkov z 2", r"line 2: Markov chains"),
    ("x' = 1\npar pi=2", r"line 2: 'pi' is a built-in"),
    ("x' = a\npar a=1, A=2", r"line 2: second parameter 'A'.*as 'a': XPPAUT names are case"),
    ("x' = if(x)then(1)", r"line 1: expected 'else'"),
    ("t' = 1", r"line 1: 't' is time"),
    ("x' = 1\npar exp=2", r"line 2: 'exp' is a built-in function"),
    ("x' = 1\npar x=2", r"line 2: 'x' is already declared as a state on line 1"),
    ("x' = sin(x, x)", r"line 1: sin takes 1 argument"),
    ("f(a, b) = a*b\nx' = f(x)", r"line 2: function 'f' takes 2 argument"),
    ("x' = r\naux r = 2*x", r"line 1: 'r' is an aux output"),
    ("x' = 1\n@ dt=-1", r"line 2: option 'dt' must be positive"),
    ("x' = 1\n@ xlo=1, xhi=0", r"region of 'x'"),
    ("x' = 1\nnumber c=x", r"line 2: number 'c' must be a constant"),
    ("x' = 1\n!d = 2*x", r"line 2: derived parameter 'd' may use parameters only"),
    ("x' = \u00e9", r"line 1: non-ASCII"),
    ("x' = 1\n# dynsys: region q=0:1", r"region for unknown state 'q'"),
    ("x' = 1j*x", r"line 1: unexpected 'j'"),
    ("x' = 1\npar", r"line 2: cannot read statement 'par'"),
    ("x' = 1\nfoo = (1", r"line 2: unbalanced parentheses"),
]


@pytest.mark.parametrize(("text", "match"), ERRORS, ids=range(len(ERRORS)))
def test_errors_name_the_culprit(text, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IgnoredOptionWarning)
        with pytest.raises(ModelError, match=match):
            parse_ode(text)


def test_size_limits():
    with pytest.raises(ModelError, match="too long"):
        parse_ode("x' = x\n" + "#" * 1_000_001)
    blowup = "\n".join(["f0(s) = s + s*s"]
                       + [f"f{i}(s) = f{i-1}(f{i-1}(s))" for i in range(1, 40)])
    with pytest.raises(ModelError, match="grow beyond"):
        parse_ode(blowup + "\nx' = f39(x)")
    long_sum = parse_ode("x' = " + " + ".join(f"{k}*x" for k in range(1, 400)))
    assert long_sum.rhs[0] == sum(range(1, 400)) * x


# --------------------------------------------------------------------------- CLI
def test_cli_show_ode_file_and_round_trip(tmp_path, capsys):
    path = tmp_path / "fhn.ode"
    path.write_text(FHN)
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "model fhn" in out and "dv/dt" in out

    assert main(["show", "mutual_excitation", "--ode"]) == 0
    text = capsys.readouterr().out
    ref = load_model("mutual_excitation")
    assert parse_ode(text, name="mutual_excitation") == ref

    out_file = tmp_path / "me.ode"
    assert main(["show", "mutual_excitation", "--ode", "--out", str(out_file)]) == 0
    assert load_model(out_file).equations == ref.equations

    assert main(["show", str(path), "--latex"]) == 0
    assert r"\frac{dv}{dt}" in capsys.readouterr().out


def test_cli_malformed_ode_exits_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "bad.ode"
    path.write_text("x' = -x\npar a=1\ny' = __import__('os').system('true')\n")
    assert main(["show", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "line 3" in lines[0] and "Traceback" not in captured.err
    assert captured.out == ""


def test_cli_prints_ignored_options_as_warning_lines(tmp_path, capsys):
    path = tmp_path / "opts.ode"
    path.write_text("x' = -x\n@ dt=0.1, meth=stiff, axes=3, nplot=1\n")
    assert main(["show", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "warning: ignoring XPP option(s) axes, nplot: dynsys uses meth, dt, total, trans, "
        "bound, nout, maxstor and the xp/yp window (xlo, xhi, ylo, yhi)"
    )
    assert '"dt": 0.1' in captured.out


def test_cli_show_ode_of_a_matrix_system_is_an_error(capsys):
    assert main(["show", "hopfield", "--ode"]) == 2
    assert capsys.readouterr().err.startswith("error: hopfield is not a symbolic Model")


def test_byte_order_mark_and_crlf_are_accepted():
    m = parse_ode("\ufeff# saved on Windows\r\npar a=1\r\nx' = -a*x\r\n")
    assert m.rhs[0] == -a * x
    assert parse_ode("\ufeffx' = -x".encode()).rhs[0] == -x


# --------------------------------------------------------------------------- XPPAUT forms
def test_statement_words_are_read_by_their_first_letter_as_xppaut_does():
    m = parse_ode("params a=1\npar b=2\np c=3\nparameter d=4\nnum k=5\nn j=6\n"
                  "x' = -x + a + b + c + d + k + j\nw noise\ny' = -y + 0.1*noise\n"
                  "a total = x + y\ni x=0.5\ninit y=2\nd\nthis line is never read")
    assert m.params == {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}
    assert m.rhs[0] == -x + a + b + sp.Symbol("c", real=True) + sp.Symbol("d", real=True) + 11
    assert m.noise["y"] == sp.Float(0.1)
    assert set(m.aux) == {"total"}
    assert m.init == {"x": 0.5, "y": 2.0}


def test_names_are_case_insensitive_and_keep_their_declared_spelling():
    m = parse_ode("par I=1, tauE=2\nx' = (-x + i)/TAUE\nY' = -y + X\nINIT X=3, y=1\n"
                  "@ xp=x, yp=y, xlo=0, xhi=4, ylo=0, yhi=5")
    assert m.param_names == ("I", "tauE")
    assert m.state_names == ("x", "Y")
    assert m.rhs[0] == (-x + I) / sp.Symbol("tauE", real=True)
    assert m.init == {"x": 3.0, "Y": 1.0}
    assert m.region == {"x": (0.0, 4.0), "Y": (0.0, 5.0)}
    assert parse_ode("x' = EXP(-X) + Sin(t) + PI")  # functions and constants too


@pytest.mark.parametrize(("text", "value"), [
    ("2^3^2", 64.0), ("-2^2", -4.0), ("2*3>5", 0.0), ("1+2>2", 1.0), ("2*2>1", 2.0), ("4>3>2", 0.0),
    ("1|0&0", 1.0), ("(1|0)&0", 0.0), ("not(0)+not(3)", 1.0), ("3-not(0)", 2.0),
    ("mod(-7,3)", 2.0), ("mod(7.5,-2)", 1.5), ("mod(-7.5,-2)", -3.5), ("flr(-0.5)", -1.0),
    ("if(1>2)then(10)else(20)", 20.0), ("if(0)then(1)else(if(1)then(2)else(3))", 2.0),
    ("heav(0)+sign(0)", 1.0), ("(2==2)+(2!=2)*10+(2>=2)*100+(2<=1)*1000", 101.0),
])
def test_constant_expressions_as_xppaut_computes_them(text, value):
    """Values XPPAUT 6.11 printed for the same text (see test_xppaut_conformance.py)."""
    m = parse_ode(f"x' = 0\naux q = {text}")
    assert float(m.aux["q"]) == value


def test_comparisons_and_conditionals_are_non_smooth_and_round_trip():
    text = ("par a=2, theta=0.5\nf(u) = if(u>theta)then(u-theta)else(0)\n"
            "x' = -x + f(a*x) + (x<1)*0.1 + mod(t, 2) + flr(x)\n")
    m = parse_ode(text)
    assert not m.is_smooth
    again = parse_ode(m.to_ode())
    assert again == m



def test_arrays_expand_into_named_states_as_xppaut_does():
    m = parse_ode("number n=3\npar w[1..3]=0.5\nx0=0\nx4=0\n"
                  "x[1..n]' = -x[j] + w[j]*(x[j-1] + x[j+1])\n"
                  "%[1..2]\naux d[j] = x[j+1] - x[j]\n%\nx[1..3](0)=[j]/10\n"
                  "total = sum(1,3)of(i'^2)\naux s = total")
    assert m.state_names == ("x1", "x2", "x3")
    assert m.param_names == ("w1", "w2", "w3")
    x1, x2, x3, w2 = symbols("x1 x2 x3 w2")
    assert m.rhs[1] == -x2 + w2 * (x1 + x3)
    assert m.rhs[0].free_symbols == {x1, x2, symbols("w1")}  # x0 = 0 closes the boundary
    assert list(m.aux) == ["d1", "d2", "s"]
    assert m.init == {"x1": 0.1, "x2": 0.2, "x3": 0.3}
    assert float(m.aux["s"]) == 14.0


@pytest.mark.parametrize(("text", "match"), [
    ("x[1..3]' = -x[j] + x[j-1]", r"unknown name 'x0'"),
    ("x[0..2]' = -x[j-1]", r"array index .* is -1 for j = 0"),
    ("x' = -x[j]", r"an index \[j\] outside an array"),
    ("%[1..2]\naux a[j] = 1", r"block is not closed"),
    ("x[1..k]' = 1", r"array bound 'k' is neither an integer"),
    ("x[1..20000]' = 1", r"expands into 20000 statements"),
    ("x' = sum(1,x)of(i')", r"bounds of sum\(\) must be integer constants"),
    ("x' = sum(1,2)", r"must be followed by of"),
])
def test_array_errors_name_the_culprit(text, match):
    with pytest.raises(ModelError, match=match):
        parse_ode(text)


def test_units_are_declared_read_and_written():
    m = parse_ode("# dynsys: units R=spikes/s\nr' = -r\nv' = -v\n")
    assert m.units == {"r": "spikes/s"} and m.unit() is None  # v declares none
    assert parse_ode(m.to_ode()) == m
    with pytest.raises(ModelError, match="units for unknown state 'q'"):
        parse_ode("# dynsys: units q=Hz\nr' = -r")
    with pytest.raises(ModelError, match="units directive expects NAME=UNIT"):
        parse_ode("# dynsys: units r\nr' = -r")
    assert load_model("self_excitation").unit() == "spikes/s"
    assert load_model("fitzhugh_nagumo").unit() is None  # dimensionless: no unit
