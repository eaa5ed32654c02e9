"""A tiny reader of Meilisearch filter expressions (behaviour reference 1.4), for tests.

It tokenises like the engine's filter parser — quoted values with backslash escapes, then the
unescaping the engine applies (`\\n`, `\\u{..}`, ...), unquoted values of `[A-Za-z0-9_.-]`,
upper-case keywords — and parses NOT > AND > OR into a small tree, so a test can prove that a
hostile value ends up inside exactly one comparison. Anything it does not know is an error.
"""

import re

KEYWORDS = {
    "AND",
    "OR",
    "NOT",
    "IN",
    "TO",
    "EXISTS",
    "IS",
    "NULL",
    "EMPTY",
    "CONTAINS",
    "STARTS",
    "WITH",
}
GEO_FUNCTIONS = {"_geoRadius", "_geoBoundingBox", "_geoPolygon"}
OPERATORS = ("!=", ">=", "<=", "=", ">", "<")
_BARE = re.compile(r"[A-Za-z0-9_.\-]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


class FilterSyntaxError(ValueError):
    """The expression would be rejected by (or mean something else to) the engine."""


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(raw):
            raise FilterSyntaxError("dangling backslash")
        nxt = raw[i + 1]
        if nxt == "u" and raw[i + 2 : i + 3] == "{":
            end = raw.index("}", i)
            out.append(chr(int(raw[i + 3 : end], 16)))
            i = end + 1
            continue
        if nxt not in _ESCAPES:
            raise FilterSyntaxError(f"unknown escape \\{nxt}")
        out.append(_ESCAPES[nxt])
        i += 2
    return "".join(out)


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs: kind is 'str' (quoted), 'word', 'kw', 'op' or 'punct'."""
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()[],":
            tokens.append(("punct", ch))
            i += 1
        elif ch in "\"'":
            j, raw = i + 1, []
            while j < len(text) and text[j] != ch:
                if text[j] == "\\":
                    raw.append(text[j : j + 2])
                    j += 2
                else:
                    raw.append(text[j])
                    j += 1
            if j >= len(text):
                raise FilterSyntaxError("unterminated quoted value")
            tokens.append(("str", _unescape("".join(raw))))
            i = j + 1
        elif any(text.startswith(op, i) for op in OPERATORS):
            op = next(op for op in OPERATORS if text.startswith(op, i))
            tokens.append(("op", op))
            i += len(op)
        else:
            match = _BARE.match(text, i)
            if not match:
                raise FilterSyntaxError(f"unexpected character {ch!r} at {i}")
            word = match.group()
            tokens.append(("kw" if word in KEYWORDS else "word", word))
            i = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise FilterSyntaxError(f"expected {value or kind}, got {tok[1]!r}")
        self.pos += 1
        return tok

    def expr(self):
        parts = [self.conjunction()]
        while self.peek() == ("kw", "OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conjunction(self):
        parts = [self.negation()]
        while self.peek() == ("kw", "AND"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def negation(self):
        if self.peek() == ("kw", "NOT"):
            self.take()
            return ("not", self.negation())
        return self.primary()

    def value(self):
        kind, value = self.peek()
        if kind not in ("str", "word"):
            raise FilterSyntaxError(f"expected a value, got {value!r}")
        self.pos += 1
        return value

    def numbers(self):
        out = [float(self.value())]
        while self.peek() == ("punct", ","):
            self.take()
            out.append(float(self.value()))
        return out

    def primary(self):
        kind, value = self.peek()
        if (kind, value) == ("punct", "("):
            self.take()
            inner = self.expr()
            self.take("punct", ")")
            return inner
        if kind == "word" and value in GEO_FUNCTIONS:
            self.take()
            self.take("punct", "(")
            if value == "_geoBoundingBox":
                self.take("punct", "[")
                top_right = self.numbers()
                self.take("punct", "]")
                self.take("punct", ",")
                self.take("punct", "[")
                bottom_left = self.numbers()
                self.take("punct", "]")
                args = (tuple(top_right), tuple(bottom_left))
            else:
                args = tuple(self.numbers())
            self.take("punct", ")")
            return ("geo", value, args)
        attribute = self.take("word")[1]
        kind, value = self.peek()
        if kind == "op":
            self.take()
            return ("cmp", attribute, value, self.value())
        if (kind, value) == ("kw", "IN"):
            self.take()
            self.take("punct", "[")
            values = [self.value()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.value())
            self.take("punct", "]")
            return ("in", attribute, values)
        raise FilterSyntaxError(f"expected an operator after {attribute!r}, got {value!r}")


def parse(text: str):
    """The expression tree: ('and'|'or', [..]), ('not', x), ('cmp', attr, op, value),
    ('in', attr, [values]), ('geo', name, args). Values are strings as the engine sees them."""
    parser = _Parser(tokenize(text))
    tree = parser.expr()
    if parser.pos != len(parser.tokens):
        raise FilterSyntaxError(f"trailing tokens: {parser.tokens[parser.pos :]}")
    return tree


def attributes(tree) -> set[str]:
    """Every attribute a tree filters on (geo functions count as `_geo`)."""
    kind = tree[0]
    if kind in ("and", "or"):
        return set().union(*(attributes(t) for t in tree[1]))
    if kind == "not":
        return attributes(tree[1])
    if kind == "geo":
        return {"_geo"}
    return {tree[1]}
