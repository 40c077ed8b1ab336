"""What Go's standard library answers for the bytes of a Secret, where kube-apiserver relies on it:

- `b64decode`: encoding/base64 StdEncoding.Decode, which encoding/json uses for a `[]byte`
  field (Secret `data`, ConfigMap `binaryData`): padding required, `\\r` and `\\n` skipped,
  non-zero trailing bits accepted; an error names the offending input byte
  (`illegal base64 data at input byte 4`).
- `unmarshal_map_error`: the error of `json.Unmarshal(b, &map[string]interface{}{})`, which
  ValidateSecret runs on `.dockerconfigjson` / `.dockercfg`: first the scanner's syntax check
  (encoding/json scanner.go, its messages verbatim: `invalid character 'o' in literal null
  (expecting 'u')`, `unexpected end of JSON input`), then the type of the top-level value.

Written from the behaviour of the Go functions, state by state, so the messages and byte
positions come out as the real server's."""

import base64
import json
import math

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)}


class Base64Error(ValueError):
    """base64.CorruptInputError."""

    def __init__(self, offset):
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


def b64decode(text):
    """bytes of `text` as base64.StdEncoding.Decode reads it; raises Base64Error."""
    n = len(text)
    si = 0
    out = bytearray()
    while si < n:
        quad = [0, 0, 0, 0]
        length = 4
        j = 0
        trailing = None
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise Base64Error(si - j)  # the input ends inside a quantum (no padding)
            c = text[si]
            si += 1
            value = _DECODE.get(c)
            if value is not None:
                quad[j] = value
                j += 1
                continue
            if c in "\r\n":
                continue
            if c != "=":
                raise Base64Error(si - 1)
            # Padding: only after two or three characters of a quantum.
            if j in (0, 1):
                raise Base64Error(si - 1)
            if j == 2:  # "==" expected; the first "=" is consumed
                while si < n and text[si] in "\r\n":
                    si += 1
                if si == n:
                    raise Base64Error(n)
                if text[si] != "=":
                    raise Base64Error(si - 1)
                si += 1
            while si < n and text[si] in "\r\n":
                si += 1
            if si < n:
                trailing = si  # anything after the padding
            length = j
            break
        val = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3]
        out += bytes(((val >> 16) & 0xFF, (val >> 8) & 0xFF, val & 0xFF))[:length - 1]
        if trailing is not None:
            raise Base64Error(trailing)
    return bytes(out)


def canonical_b64(text):
    """The base64 the server writes back for what it decoded (StdEncoding, padded)."""
    return base64.b64encode(b64decode(text)).decode("ascii")


# ---- encoding/json's scanner ----------------------------------------------------------------

_SPACE = b" \t\r\n"
_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t",
            0x0B: "\\v", 0x5C: "\\\\"}
_MAX_DEPTH = 10000


def quote_char(c):
    """scanner.go's quoteChar: the byte as a Go character literal ('x', '\\n', '\\x01')."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    ch = chr(c)  # Go's string(byte) is the rune of that value
    if c in _ESCAPES:
        body = _ESCAPES[c]
    elif ch.isprintable():
        body = ch
    elif c < 0x80:
        body = f"\\x{c:02x}"
    else:
        body = f"\\u{c:04x}"
    return f"'{body}'"


class _Syntax(Exception):
    pass


class _Scanner:
    """encoding/json's scanner: a step function per state, fed one byte at a time."""

    def __init__(self):
        self.step = self.begin_value
        self.parse = []  # "key", "value" (inside an object), "array"
        self.end_top = False
        self.err = None

    def error(self, c, context):
        self.step = self.state_error
        self.err = f"invalid character {quote_char(c)} {context}"
        raise _Syntax()

    def state_error(self, c):
        raise _Syntax()

    def push(self, kind):
        self.parse.append(kind)
        if len(self.parse) > _MAX_DEPTH:
            self.err = "exceeded max depth"
            raise _Syntax()

    def pop(self):
        self.parse.pop()
        if not self.parse:
            self.step = self.end_top_state
            self.end_top = True
        else:
            self.step = self.end_value

    def begin_value_or_empty(self, c):
        if c in _SPACE:
            return
        if c == 0x5D:  # ]
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c):
        if c in _SPACE:
            return
        if c == 0x7B:  # {
            self.step = self.begin_string_or_empty
            return self.push("key")
        if c == 0x5B:  # [
            self.step = self.begin_value_or_empty
            return self.push("array")
        nxt = {0x22: self.in_string, 0x2D: self.neg, 0x30: self.zero,
               0x74: self.literal("true"), 0x66: self.literal("false"),
               0x6E: self.literal("null")}.get(c)
        if nxt is None and 0x31 <= c <= 0x39:
            nxt = self.one
        if nxt is None:
            self.error(c, "looking for beginning of value")
        self.step = nxt

    def begin_string_or_empty(self, c):
        if c in _SPACE:
            return
        if c == 0x7D:  # }
            self.parse[-1] = "value"
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c):
        if c in _SPACE:
            return
        if c == 0x22:
            self.step = self.in_string
            return
        self.error(c, "looking for beginning of object key string")

    def end_value(self, c):
        if not self.parse:
            self.step = self.end_top_state
            self.end_top = True
            return self.end_top_state(c)
        if c in _SPACE:
            self.step = self.end_value
            return
        top = self.parse[-1]
        if top == "key":
            if c == 0x3A:  # :
                self.parse[-1] = "value"
                self.step = self.begin_value
                return
            self.error(c, "after object key")
        if top == "value":
            if c == 0x2C:  # ,
                self.parse[-1] = "key"
                self.step = self.begin_string
                return
            if c == 0x7D:
                return self.pop()
            self.error(c, "after object key:value pair")
        if c == 0x2C:
            self.step = self.begin_value
            return
        if c == 0x5D:
            return self.pop()
        self.error(c, "after array element")

    def end_top_state(self, c):
        if c not in _SPACE:
            # The error is reported, the byte itself still counts as the end.
            self.step = self.state_error
            self.err = f"invalid character {quote_char(c)} after top-level value"

    def in_string(self, c):
        if c == 0x22:
            self.step = self.end_value
        elif c == 0x5C:
            self.step = self.in_string_esc
        elif c < 0x20:
            self.error(c, "in string literal")

    def in_string_esc(self, c):
        if c in b'bfnrt\\/"':
            self.step = self.in_string
        elif c == 0x75:  # u
            self.step = self.hex_digit(4)
        else:
            self.error(c, "in string escape code")

    def hex_digit(self, left):
        def state(c):
            if not (0x30 <= c <= 0x39 or 0x61 <= c <= 0x66 or 0x41 <= c <= 0x46):
                self.error(c, "in \\u hexadecimal character escape")
            self.step = self.in_string if left == 1 else self.hex_digit(left - 1)
        return state

    def neg(self, c):
        if c == 0x30:
            self.step = self.zero
        elif 0x31 <= c <= 0x39:
            self.step = self.one
        else:
            self.error(c, "in numeric literal")

    def one(self, c):
        if 0x30 <= c <= 0x39:
            self.step = self.one
            return
        return self.zero(c)

    def zero(self, c):
        if c == 0x2E:  # .
            self.step = self.dot
        elif c in (0x65, 0x45):  # e E
            self.step = self.exp
        else:
            return self.end_value(c)

    def dot(self, c):
        if 0x30 <= c <= 0x39:
            self.step = self.dot0
        else:
            self.error(c, "after decimal point in numeric literal")

    def dot0(self, c):
        if 0x30 <= c <= 0x39:
            return
        if c in (0x65, 0x45):
            self.step = self.exp
            return
        return self.end_value(c)

    def exp(self, c):
        if c in (0x2B, 0x2D):  # + -
            self.step = self.exp_sign
            return
        return self.exp_sign(c)

    def exp_sign(self, c):
        if 0x30 <= c <= 0x39:
            self.step = self.exp0
        else:
            self.error(c, "in exponent of numeric literal")

    def exp0(self, c):
        if 0x30 <= c <= 0x39:
            return
        return self.end_value(c)

    def literal(self, word, at=1):
        """The states after the first `at` letters of true / false / null."""
        def state(c):
            want = ord(word[at])
            if c != want:
                self.error(c, f"in literal {word} (expecting {quote_char(want)})")
            self.step = self.end_value if at + 1 == len(word) else self.literal(word, at + 1)
        return state

    def eof(self):
        if self.err is not None:
            return self.err
        if self.end_top:
            return None
        try:
            self.step(0x20)
        except _Syntax:
            return self.err
        if self.end_top:
            return None
        return self.err or "unexpected end of JSON input"


def syntax_error(data):
    """checkValid: the SyntaxError message for `data` (bytes), or None when it is valid JSON."""
    scanner = _Scanner()
    for c in data:
        try:
            scanner.step(c)
        except _Syntax:
            return scanner.err
    return scanner.eof()


def unmarshal_map_error(data):
    """The error of json.Unmarshal(data, &map[string]interface{}{}) as text, or None."""
    err = syntax_error(data)
    if err:
        return err
    first = next(c for c in data if c not in _SPACE)
    kind = {0x7B: None, 0x6E: None, 0x5B: "array", 0x22: "string", 0x74: "bool",
            0x66: "bool"}.get(first, "number")
    if kind:
        return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    # An object: every value goes into an interface{}; only a number beyond float64 fails.
    overflow = []

    def number(text):
        if not overflow and math.isinf(float(text)):
            overflow.append(text)
        return 0

    json.loads(data.decode("utf-8", "replace"), parse_float=number, parse_int=number)
    if overflow:
        return f"json: cannot unmarshal number {overflow[0]} into Go value of type float64"
    return None
