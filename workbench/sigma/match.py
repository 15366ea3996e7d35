"""One Sigma value (after pySigma applied the modifiers) as a test over an Arrow array of texts.

Sigma strings match case-insensitively unless ``cased``; ``*`` and ``?`` are wildcards; plain strings
match the whole value. Regular expressions (``re``, with ``i``/``m``/``s``) search the value (not
anchored, as SigmaHQ rules are written) and run on RE2 through Arrow: a pattern RE2 cannot compile is a
rule error. ``cidr`` takes IPv4 and IPv6 networks; ``lt``/``lte``/``gt``/``gte`` compare numbers; values
that are not numbers or addresses never match them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable

import numpy as np
import pyarrow as pa
import re2  # google-re2, a dependency of pySigma: the same RE2 that Arrow runs
import pyarrow.compute as pc
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

Matcher = Callable[[pa.Array], np.ndarray]  # texts → bool per text (null → False)


class Unsupported(ValueError):
    """A value the evaluator cannot match exactly (the rule is reported, not run)."""


def _bools(result: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


def _wildcard_regex(parts: tuple) -> str:
    out = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            out.append(re.escape(part))
        else:
            raise Unsupported("placeholders (expand) are not supported")
    return "(?s)^" + "".join(out) + "$"


def string_matcher(value: SigmaString, cased: bool = False) -> Matcher:
    parts = tuple(value.s)
    texts = [p for p in parts if isinstance(p, str)]
    specials = [p for p in parts if not isinstance(p, str)]
    ignore = not cased
    if not specials:
        plain = "".join(texts)
        if cased:
            return lambda arr: _bools(pc.equal(arr, plain))
        low = plain.lower()
        # lower() on both sides: Arrow's utf8_lower and Python's agree on the simple case mappings
        return lambda arr: _bools(pc.equal(pc.utf8_lower(arr), low))
    multi = SpecialChars.WILDCARD_MULTI
    if all(p is multi for p in specials) and len(texts) == 1:
        inner = texts[0]
        lead, trail = parts[0] is multi, parts[-1] is multi
        if lead and trail and len(parts) == 3:
            return lambda arr: _bools(pc.match_substring(arr, inner, ignore_case=ignore))
        if trail and not lead and len(parts) == 2:
            return lambda arr: _bools(pc.starts_with(arr, inner, ignore_case=ignore))
        if lead and not trail and len(parts) == 2:
            return lambda arr: _bools(pc.ends_with(arr, inner, ignore_case=ignore))
    if all(p is multi for p in parts):
        return lambda arr: _bools(pc.is_valid(arr))
    pattern = _wildcard_regex(parts)
    return lambda arr: _bools(pc.match_substring_regex(arr, pattern, ignore_case=ignore))


def regex_matcher(value: SigmaRegularExpression) -> Matcher:
    pattern = str(value.regexp)
    flags = ""
    if SigmaRegularExpressionFlag.MULTILINE in value.flags:
        flags += "m"
    if SigmaRegularExpressionFlag.DOTALL in value.flags:
        flags += "s"
    if flags:
        pattern = f"(?{flags}){pattern}"
    ignore = SigmaRegularExpressionFlag.IGNORECASE in value.flags
    options = re2.Options()
    options.log_errors = False  # checked quietly here; Arrow's RE2 would print to stderr
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise Unsupported(f"regular expression {pattern!r} is not supported (RE2: {reason})") from None
    return lambda arr: _bools(pc.match_substring_regex(arr, pattern, ignore_case=ignore))


def _per_distinct(test: Callable[[str], bool]) -> Matcher:
    """A Python test run once per distinct text."""

    def run(arr: pa.Array) -> np.ndarray:
        encoded = pc.dictionary_encode(arr)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        hits = np.array([test(v) for v in encoded.dictionary.to_pylist()] + [False], dtype=bool)
        idx = encoded.indices.to_numpy(zero_copy_only=False)
        idx = np.where(np.asarray(pc.is_valid(encoded.indices)), idx, len(hits) - 1).astype(np.int64)
        return hits[idx]

    return run


def cidr_matcher(value: SigmaCIDRExpression) -> Matcher:
    network = ipaddress.ip_network(value.cidr, strict=False)

    def test(text: str) -> bool:
        try:
            address = ipaddress.ip_address(text.strip())
        except ValueError:
            return False
        return address.version == network.version and address in network

    return _per_distinct(test)


_OPS = {
    CompareOperators.LT: lambda a, b: a < b, CompareOperators.LTE: lambda a, b: a <= b,
    CompareOperators.GT: lambda a, b: a > b, CompareOperators.GTE: lambda a, b: a >= b,
    CompareOperators.NEQ: lambda a, b: a != b,
}


def compare_matcher(value: SigmaCompareExpression) -> Matcher:
    bound, op = value.number.number, _OPS[value.op]

    def test(text: str) -> bool:
        try:
            return bool(op(float(text), bound))
        except ValueError:
            return False

    return _per_distinct(test)


def number_text(number: int | float) -> str:
    return str(int(number)) if isinstance(number, float) and number.is_integer() else str(number)


def matcher(value: object) -> Matcher:
    """The test for one Sigma value; raises :class:`Unsupported` for what cannot be matched exactly."""
    if isinstance(value, SigmaCasedString):
        return string_matcher(value, cased=True)
    if isinstance(value, SigmaString):
        return string_matcher(value)
    if isinstance(value, SigmaRegularExpression):
        return regex_matcher(value)
    if isinstance(value, SigmaNumber):
        text = number_text(value.number)
        return lambda arr: _bools(pc.equal(arr, text))
    if isinstance(value, SigmaBool):
        word = "true" if value.boolean else "false"
        return lambda arr: _bools(pc.equal(pc.utf8_lower(arr), word))
    if isinstance(value, SigmaCIDRExpression):
        return cidr_matcher(value)
    if isinstance(value, SigmaCompareExpression):
        return compare_matcher(value)
    if isinstance(value, SigmaExpansion):
        parts = [matcher(v) for v in value.values]
        return lambda arr: np.logical_or.reduce([m(arr) for m in parts]) if parts else np.zeros(len(arr), bool)
    if isinstance(value, SigmaNull):
        raise Unsupported("null is matched on presence, not on text")  # handled by the engine
    raise Unsupported(f"values of type {type(value).__name__} are not supported")
