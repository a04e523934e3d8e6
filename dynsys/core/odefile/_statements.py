"""Reading .ode text into statements: lines, comments, declarations (no expressions)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from dynsys.core.odefile._common import (
    _CONTROL,
    _DIRECTIVE,
    _FUNCTIONS,
    _IDENT_RE,
    _ITEM,
    _KEYWORD,
    _KEYWORDS,
    _NON_ASCII,
    _RESERVED,
    _STATEMENTS,
    _UNSUPPORTED,
    MAX_TEXT,
    IgnoredOptionWarning,
    _clip,
    _fail,
)
from dynsys.core.odefile._tables import _Table, parse_table
from dynsys.errors import ModelError


@dataclass
class _Decl:
    kind: str  # state, parameter, number, derived parameter, fixed quantity, function, ...
    line: int
    text: str = ""  # the expression text
    args: tuple[str, ...] = ()
    tree: Any = None  # the parsed syntax tree, once parsed


@dataclass
class _Source:
    equations: dict[str, _Decl] = field(default_factory=dict)
    params: dict[str, _Decl] = field(default_factory=dict)
    macros: dict[str, _Decl] = field(default_factory=dict)  # number, derived, fixed, function
    aux: dict[str, _Decl] = field(default_factory=dict)
    wieners: dict[str, int] = field(default_factory=dict)
    inits: dict[str, tuple[int, str]] = field(default_factory=dict)
    options: list[tuple[int, str, str]] = field(default_factory=list)
    regions: list[tuple[int, str, str]] = field(default_factory=list)
    names: dict[str, tuple[str, int]] = field(default_factory=dict)  # lower-case name ->
    spelling: dict[str, str] = field(default_factory=dict)  # lower-case name -> as declared
    description: str = ""
    units: list[tuple[int, str, str]] = field(default_factory=list)
    # global events: (line, sign, condition text, [(name, expression text)])
    events: list[tuple[int, int, str, list[tuple[str, str]]]] = field(default_factory=list)
    map_lines: list[int] = field(default_factory=list)  # lines of x(t+1) = ... equations
    tables: dict[str, _Table] = field(default_factory=dict)
    sets: dict[str, tuple[int, list[tuple[str, str]]]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # statements named in one warning

    def declare(self, name: str, kind: str, line: int) -> None:
        """Record a declaration; names are case-insensitive, as in XPPAUT."""
        if not _IDENT_RE.match(name):
            raise _fail(line, f"{name!r} is not a valid name")
        key = name.lower()
        if key == "t":
            raise _fail(line, f"{name!r} is time and cannot be declared as a {kind}")
        if key in _FUNCTIONS or key in _RESERVED:
            raise _fail(line, f"{name!r} is a built-in function or word and cannot be a {kind}")
        if key in self.names:
            old_kind, old_line = self.names[key]
            same = "" if self.spelling[key] == name else f" (as {self.spelling[key]!r}: " \
                "XPPAUT names are case-insensitive)"
            if old_kind == kind:
                what = "equation for" if kind == "state" else kind
                raise _fail(line, f"second {what} {name!r} (first on line {old_line}){same}")
            raise _fail(line, f"{name!r} is already declared as a {old_kind} on line "
                              f"{old_line}{same}")
        self.names[key] = (kind, line)
        self.spelling[key] = name

    def canonical(self, name: str) -> str:
        """The declared spelling of ``name`` (XPPAUT names are case-insensitive)."""
        return self.spelling.get(name.lower(), name)


def _text_lines(text: str | bytes) -> list[tuple[int, str]]:
    """Validate the raw text and return (line number, content) for each physical line."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModelError(f"the text is not UTF-8 (byte {exc.start}): binary data?") from None
    if not isinstance(text, str):
        raise ModelError(f"model text must be a string, got {type(text).__name__}")
    text = text.removeprefix("\ufeff")  # a byte-order mark from a Windows editor
    if len(text) > MAX_TEXT:
        raise ModelError(f"the text is too long ({len(text)} characters; at most {MAX_TEXT})")
    if not text.strip():
        raise ModelError("the text is empty: it declares no equations")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for number, content in enumerate(lines, start=1):
        bad = _CONTROL.search(content)
        if bad:
            what = "a NUL byte" if bad.group() == "\x00" else f"control character {bad.group()!r}"
            raise _fail(number, f"binary data: {what} in the text")
        out.append((number, content))
    return out


def _statements(text: str | bytes) -> list[tuple[int, str, bool]]:
    """Logical statements (line, text, is_directive): comments dropped, continuations joined."""
    result: list[tuple[int, str, bool]] = []
    pending: tuple[int, str] | None = None
    for number, raw in _text_lines(text):
        stripped = raw.strip()
        if pending is None and (stripped.startswith("#") or stripped.startswith('"')):
            m = _DIRECTIVE.match(stripped)
            if m:
                result.append((number, m.group(1).strip(), True))
            continue
        body = raw.split("#", 1)[0].rstrip()
        if pending is not None:
            start, before = pending
            body = before + " " + body.strip()
            number = start
        if body.endswith("\\"):
            pending = (number, body[:-1])
            continue
        pending = None
        if body.strip():
            result.append((number, body.strip(), False))
    if pending is not None and pending[1].strip():
        result.append((pending[0], pending[1].strip(), False))
    return result


def _assignments(body: str, line: int, what: str) -> list[tuple[str, str]]:
    """Split ``a=1, b=2`` or ``a=1 b=2`` into [(name, value text)]."""
    matches = list(_ITEM.finditer(body))
    if not matches:
        raise _fail(line, f"expected NAME=VALUE after {what!r}, got {_clip(body)!r}")
    head = body[: matches[0].start()].strip(" \t,")
    if head:
        raise _fail(line, f"cannot read {_clip(head)!r} in the {what!r} statement")
    items = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        value = body[m.end() : end].strip()
        if value.endswith(","):
            value = value[:-1].strip()
        if not value:
            raise _fail(line, f"no value for {m.group(1)!r} in the {what!r} statement")
        items.append((m.group(1), value))
    return items


# ----------------------------------------------------------------------------- arrays
_RANGE = re.compile(r"\[\s*([A-Za-z_]\w*|\d+)\s*\.\.\s*([A-Za-z_]\w*|\d+)\s*\]")
_INDEX = re.compile(r"\[\s*(?:(j)\s*(?:([-+*])\s*(\d+))?|(\d+))\s*\]")
_ELEMENT = re.compile(r"\b([A-Za-z_]\w*)\[\s*(\d+)\s*\]")
_NUMBER_DECL = re.compile(r"n[a-z]*\s+(.*)\Z", re.I | re.S)
#: Most statements one array line or block may expand into.
MAX_ARRAY = 10_000


def _array_bound(text: str, numbers: dict[str, int], line: int) -> int:
    if text.isdigit():
        return int(text)
    if text.lower() in numbers:
        return numbers[text.lower()]
    raise _fail(line, f"array bound {text!r} is neither an integer nor a 'number' declared "
                      "above")


def _substitute(body: str, j: int, line: int) -> str:
    """XPPAUT's index substitution: x[j] -> x3, x[j+1] -> x4, x[j*2] -> x6, x[5] -> x5."""

    def repl(m: re.Match[str]) -> str:
        if m.group(4) is not None:
            value = int(m.group(4))
        else:
            op, num = m.group(2), int(m.group(3) or 0)
            value = j * num if op == "*" else j + (num if op != "-" else -num)
        if value < 0:
            raise _fail(line, f"array index {m.group(0)!r} is {value} for j = {j}: a "
                              "negative index has no name")
        return str(value)

    out = _INDEX.sub(repl, body)
    bad = re.search(r"\[\s*j[^\]]{0,12}", out)
    if bad:  # XPPAUT: "The expression does not terminate. Perhaps a ] is missing."
        raise _fail(line, f"array index {bad.group(0)!r} is not closed by ']' or not one of "
                          "[j], [j+k], [j-k], [j*k]")
    return out


def _expand_arrays(statements: list[tuple[int, str, bool]]) -> list[tuple[int, str, bool]]:
    """Expand XPPAUT arrays: ``x[1..n]' = -x[j] + ...`` lines and ``%[1..n] ... %`` blocks
    become one statement per index, ``x[j]`` the name ``x3`` for j = 3 (a textual
    substitution, as XPPAUT's own reader does)."""
    numbers: dict[str, int] = {}
    out: list[tuple[int, str, bool]] = []
    k = 0
    while k < len(statements):
        line, body, directive = statements[k]
        k += 1
        if directive:
            out.append((line, body, directive))
            continue
        m = _NUMBER_DECL.match(body)
        if m:
            for name, value in re.findall(r"([A-Za-z_]\w*)\s*=\s*(\d+)(?![\w.])", m.group(1)):
                numbers[name.lower()] = int(value)
        block = body.startswith("%")
        rng = _RANGE.search(body)
        if rng is None:
            if block:
                raise _fail(line, "'%' without an array range: a block starts with %[1..n]")
            # an element named by its number, outside arrays: flux[100] is flux100 (XPPAUT)
            out.append((line, _ELEMENT.sub(r"\1\2", body), directive))
            continue
        lo = _array_bound(rng.group(1), numbers, line)
        hi = _array_bound(rng.group(2), numbers, line)
        step = 1 if hi >= lo else -1
        count = abs(hi - lo) + 1
        if block:
            if body[1:].strip() != rng.group(0):
                raise _fail(line, f"a block opens with %[lo..hi] alone, got {_clip(body)!r}")
            end = next((i for i in range(k, len(statements))
                        if not statements[i][2] and statements[i][1].strip() == "%"), None)
            if end is None:
                raise _fail(line, "the %[..] block is not closed by a line '%'")
            lines = [s for s in statements[k:end] if not s[2]]
            k = end + 1
        else:
            template = body[:rng.start()] + "[j]" + body[rng.end():]
            lines = [(line, template, False)]
        if count * len(lines) > MAX_ARRAY:
            raise _fail(line, f"the array expands into {count * len(lines)} statements (at most "
                              f"{MAX_ARRAY})")
        for j in range(lo, hi + step, step):
            for src_line, text, _ in lines:
                out.append((src_line, _substitute(text, j, src_line), False))
    return out


def _read(text: str | bytes) -> _Source:
    src = _Source()
    statements = _expand_arrays(_statements(text))
    for line, body, directive in statements:
        if directive:
            _read_directive(src, line, body)
            continue
        if _NON_ASCII.search(body):
            ch = _NON_ASCII.search(body).group()  # type: ignore[union-attr]
            raise _fail(line, f"non-ASCII character {ch!r} outside a comment")
        kw = _KEYWORD.match(body)
        word = kw.group(1).lower() if kw else ""
        if kw and (kw.group(2) is not None or word[:1] == "d"):
            first = word[0]
            if first == "g":  # XPPAUT reads 'global' by its first letter too
                src.events.append(_read_global(line, (kw.group(2) or "").strip()))
                continue
            if first in _KEYWORDS:
                kind = _KEYWORDS[first]
                rest = (kw.group(2) or "").strip()
                if kind == "done":
                    break  # XPPAUT stops reading at any word starting with d
                _read_keyword(src, kind, line, rest, word)
                continue
            if _read_other(src, word, line, (kw.group(2) or "").strip()):
                continue
            if first in _UNSUPPORTED:
                raise _fail(line, f"{_UNSUPPORTED[first]} (statement {_clip(body)!r})")
            raise _fail(line, f"unknown statement {word!r} in {_clip(body)!r}")
        m_map = _MAP_EQ.match(body)
        if m_map:  # x(t+1) = F: XPPAUT then treats the whole file as a map
            src.declare(m_map.group(1), "state", line)
            src.equations[m_map.group(1)] = _Decl("state", line, m_map.group(2).strip())
            src.map_lines.append(line)
            continue
        _refuse_out_of_scope(body, line)
        if body.startswith("@"):
            for name, value in _assignments(body[1:], line, "@"):
                src.options.append((line, name.lower(), value))
            continue
        found = next(((kind, m) for pattern, kind in _STATEMENTS
                      if (m := pattern.match(body))), None)
        if found is None:
            raise _fail(
                line,
                f"cannot read statement {_clip(body)!r} (expected x' = ..., dx/dt = ..., "
                "x(0) = ..., par, init, number, aux, wiener, !p = ..., f(x) = ..., @, done)",
            )
        kind, m = found
        name = m.group(1)
        if kind == "init":
            _add_init(src, line, name, m.group(2).strip())
        elif kind == "function":
            args = tuple(a.strip() for a in m.group(2).split(","))
            if not args or not all(_IDENT_RE.match(a) for a in args):
                raise _fail(line, f"function {name!r} needs argument names, got "
                                  f"({_clip(m.group(2))})")
            if len(set(args)) != len(args):
                raise _fail(line, f"function {name!r} repeats an argument name")
            src.declare(name, "function", line)
            src.macros[name] = _Decl("function", line, m.group(3).strip(), args)
        else:
            src.declare(name, kind, line)
            decl = _Decl(kind, line, m.group(2).strip())
            if kind == "state":
                src.equations[name] = decl
            else:
                src.macros[name] = decl
    return src


_OUT_OF_SCOPE = (
    (re.compile(r"0\s*="), "algebraic equations (0 = ...) are not supported"),
    (re.compile(r"[A-Za-z_]\w*\s*\(\s*t\s*\)\s*=.*\bint\s*[\[{]", re.I),
     "Volterra integral equations (int{...}) are not supported"),
    (re.compile(r".*\bint\s*(\[[^\]]*\])?\s*\{", re.I | re.S),
     "Volterra integrals (int{...}, integro-differential equations) are not supported"),
    (re.compile(r".*\[\s*j"), "an index [j] outside an array line x[1..n] or %[1..n] block"),
)


_MAP_EQ = re.compile(r"([A-Za-z_]\w*)\s*\(\s*t\s*\+\s*1\s*\)\s*=(?!=)(.*)\Z", re.S | re.I)
_EVENT_NAMES = {"out_put": "output", "arret": "halt", "no_interp": "no-interpolation"}


def _braced(text: str, line: int, what: str) -> tuple[str, str]:
    """Split ``{inside} rest`` at the brace matching the first one."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0:
            return text[1:k], text[k + 1:].strip()
    raise _fail(line, f"the {what} of 'global' has no closing '}}'")


def _read_global(line: int, rest: str) -> tuple[int, int, str, list[tuple[str, str]]]:
    """``global sign {condition} {x=expr; y=expr}`` (the condition may be bare, without
    spaces, as XPPAUT writes ``global 1 v-1 {v=0}``) -> (line, sign, condition, items)."""
    usage = "'global' expects: global SIGN {condition} {x=expression; ...}"
    sign_text, _, rest = rest.partition(" ")
    try:
        sign = int(sign_text)
    except ValueError:
        raise _fail(line, f"{usage}; the sign is -1, 0 or 1, got {_clip(sign_text)!r}") from None
    if sign not in (-1, 0, 1):
        raise _fail(line, f"the sign of 'global' is -1, 0 or 1, got {sign}")
    rest = rest.strip()
    if rest.startswith("{"):
        cond, rest = _braced(rest, line, "condition")
    else:
        cond, brace, after = rest.partition("{")
        rest = brace + after
    if not cond.strip() or not rest.startswith("{"):
        raise _fail(line, usage)
    body, tail = _braced(rest, line, "assignments")
    if tail:
        raise _fail(line, f"unexpected {_clip(tail)!r} after the assignments of 'global'")
    items = []
    for part in filter(None, (q.strip() for q in body.split(";"))):
        name, eq, value = part.partition("=")
        name = name.strip()
        if name.lower() in _EVENT_NAMES:
            raise _fail(line, f"XPPAUT's {_EVENT_NAMES[name.lower()]} event {name!r} is not "
                              "supported (events assign states or parameters)")
        if not eq or not _IDENT_RE.match(name) or not value.strip():
            raise _fail(line, f"an event assignment is NAME=expression, got {_clip(part)!r}")
        items.append((name, value.strip()))
    if not items:
        raise _fail(line, "'global' has no assignments: write {x=expression; ...}")
    return line, sign, cond.strip(), items
_AUX = re.compile(r"([A-Za-z_][\w.]*)\s*=(?!=)(.*)\Z", re.S)


def _init_list(rest: str, line: int, word: str) -> list[tuple[str, str]]:
    """``init x=1.5, y`` as XPPAUT reads it: a name without a value starts at 0."""
    items: list[tuple[str, str]] = []
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(rest[start:i])
            start = i + 1
    parts.append(rest[start:])
    for part in filter(None, (p.strip() for p in parts)):
        if "=" in part:
            head, sep, tail = part.partition("=")
            bare = head.split()[:-1]  # "y x=1": y has no value
            items += [(b, "") for b in bare]
            items += _assignments(" ".join(head.split()[-1:]) + sep + tail, line, word)
        else:
            items += [(b, "") for b in part.split()]
    for name, _ in items:
        if not _IDENT_RE.match(name):
            raise _fail(line, f"cannot read {_clip(name)!r} in the {word!r} statement")
    return items


_SET = re.compile(r"([A-Za-z_]\w*)\s*\{(.*)\}\s*\Z", re.S)


def _read_other(src: _Source, word: str, line: int, rest: str) -> bool:
    """``table``/``tabular``, ``set`` and ``only``, read as XPPAUT does (by their first two
    letters); True if the statement was one of them."""
    if word.startswith("ta"):
        table = parse_table(rest, line)
        src.declare(table.name, "table", line)
        src.tables[table.name] = table
        return True
    if word.startswith("se"):
        m = _SET.match(rest)
        if not m:
            raise _fail(line, f"a parameter set is 'set NAME {{p=1, x=0, ...}}', got "
                              f"{_clip(rest)!r}")
        name = m.group(1)
        same = next((k for k in src.sets if k.lower() == name.lower()), None)
        if same is not None:
            raise _fail(line, f"second parameter set {name!r} (first on line "
                              f"{src.sets[same][0]})")
        src.sets[name] = (line, _assignments(m.group(2), line, f"set {name}"))
        return True
    if word.startswith("on"):  # XPPAUT's list of the quantities written to output.dat
        src.ignored.append("only (output list)")
        return True
    return False


def _refuse_out_of_scope(body: str, line: int) -> None:
    """Refuse, naming the feature, XPPAUT statements that dynsys does not take."""
    for pattern, message in _OUT_OF_SCOPE:
        if pattern.match(body):
            raise _fail(line, f"{message} (statement {_clip(body)!r})")


def _read_directive(src: _Source, line: int, body: str) -> None:
    word, _, rest = body.partition(" ")
    if word.lower() == "description":
        src.description = " ".join([src.description, rest.strip()]).strip()
        return
    if word.lower() == "units":
        for part in filter(None, (q.strip() for q in rest.split(","))):
            name, sep, unit = part.partition("=")
            if not sep or not _IDENT_RE.match(name.strip()) or not unit.strip():
                raise _fail(line, f"units directive expects NAME=UNIT, got {_clip(part)!r}")
            src.units.append((line, name.strip(), unit.strip()))
        return
    if word.lower() != "region":
        warnings.warn(f"line {line}: ignoring unknown '# dynsys:' directive {_clip(word)!r}",
                      IgnoredOptionWarning, stacklevel=4)
        return
    for part in filter(None, (p.strip() for p in rest.split(","))):
        name, sep, bounds = part.partition("=")
        if not sep or not _IDENT_RE.match(name.strip()) or ":" not in bounds:
            raise _fail(line, f"region directive expects NAME=LO:HI, got {_clip(part)!r}")
        src.regions.append((line, name.strip(), bounds))


def _add_init(src: _Source, line: int, name: str, value: str) -> None:
    # as XPPAUT: a later initial value replaces an earlier one (x(0)=1 then init x=2
    # starts at 2), and a name without a value in an init list starts at 0
    same = next((k for k in src.inits if k.lower() == name.lower()), None)
    if same is not None:
        del src.inits[same]
    src.inits[name] = (line, value or "0")


def _read_keyword(src: _Source, kind: str, line: int, rest: str, word: str) -> None:
    if kind == "wiener":
        names = [n for n in re.split(r"[\s,]+", rest) if n]
        if not names:
            raise _fail(line, "'wiener' needs at least one name")
        for name in names:
            src.declare(name, "wiener", line)
            src.wieners[name] = line
        return
    if kind == "aux":
        # XPPAUT's aux names are output labels and may hold dots (aux P.E.=pe): read
        # as '_' (P_E_), the one character that a dynsys name can carry instead
        m = _AUX.match(rest)
        if not m:
            raise _fail(line, f"'aux' expects NAME = expression, got {_clip(rest)!r}")
        name = m.group(1).replace(".", "_")
        src.declare(name, "aux output", line)
        src.aux[name] = _Decl("aux output", line, m.group(2).strip())
        return
    if kind == "init":
        for name, value in _init_list(rest, line, word):
            _add_init(src, line, name, value)
        return
    for name, value in _assignments(rest, line, word):
        if kind == "par":
            src.declare(name, "parameter", line)
            src.params[name] = _Decl("parameter", line, value)
        elif kind == "number":
            src.declare(name, "number", line)
            src.macros[name] = _Decl("number", line, value)
        else:  # init
            _add_init(src, line, name, value)
