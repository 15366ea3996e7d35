"""Loading Sigma rules from folders (SigmaHQ layout: ``*.yml`` / ``*.yaml`` anywhere below), parsed by
pySigma, checked against what the local evaluator supports.

A rule that cannot run (invalid YAML, a pySigma parse error, an unsupported modifier or correlation type,
a log source the workbench does not load) becomes a :class:`RuleError` naming its file and the reason;
every other rule runs. Correlation rules (:mod:`.correlation`) refer to base rules of the same file by
name or id; a base rule referred to only by correlations without ``generate: true`` gives no findings
of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import yaml
from sigma.collection import SigmaCollection
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.policy import SigmaPolicy
from sigma.policy.regex_engine import RE2RegexEngine
from sigma.rule import SigmaRule
from sigma.types import SigmaString

from ..errors import WorkbenchError
from ..paths import resources_dir
from .correlation import OPERATORS, TYPES, Correlation
from .mappings import LOGSOURCE_FIELDS, sources_for
from .match import Unsupported, matcher

SHIPPED = "shipped"  # ``--sigma shipped``: the rules the project ships in resources/sigma

# Modifiers the evaluator matches exactly. ``wide``/``utf16*`` (binary encodings), ``expand``
# (placeholders) and the time-part modifiers (``hour``, ``day``, ...) are not supported.
SUPPORTED_MODIFIERS = frozenset({
    "contains", "startswith", "endswith", "all", "re", "i", "ignorecase", "m", "multiline", "s", "dotall",
    "cidr", "base64", "base64offset", "exists", "cased", "windash", "lt", "lte", "gt", "gte", "neq", "fieldref",
})

LEVELS = {"informational": "low", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
_TECHNIQUE = re.compile(r"^t\d{4}(\.\d{3})?$")


class _QuietRE2(RE2RegexEngine):
    """pySigma's RE2 engine without RE2 printing parse errors to stderr (they become rule errors)."""

    def compile(self, pattern: str, flags: int = 0) -> Any:
        import re as stdlib_re

        import re2

        prefix = "".join(v for k, v in ((stdlib_re.IGNORECASE, "i"), (stdlib_re.MULTILINE, "m"),
                                        (stdlib_re.DOTALL, "s")) if int(flags) & int(k))
        options = re2.Options()
        options.log_errors = False
        return re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, options)


_POLICY = SigmaPolicy(regex_engine=_QuietRE2())


class SigmaLoadError(WorkbenchError):
    """A rule folder cannot be read at all (it does not exist)."""


@dataclass(frozen=True)
class RuleError:
    file: str
    reason: str
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "title": self.title, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.file}: {f'{self.title}: ' if self.title else ''}{self.reason}"


@dataclass(frozen=True)
class Rule:
    """A rule ready to run: its condition trees (OR-ed) and what the report shows of it."""

    title: str
    file: str
    sources: tuple[str, ...]
    conditions: tuple[Any, ...]  # pySigma condition trees (ConditionItem / expressions)
    rule_id: str | None = None
    level: str = "medium"  # the rule's own level word
    status: str | None = None
    description: str = ""
    author: str | None = None
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    logsource: dict[str, str] = field(default_factory=dict)
    generate: bool = True  # False: a correlation's base rule, which gives no findings of its own
    name: str | None = None  # the rule's ``name`` (what correlations refer to)

    @property
    def severity(self) -> str:
        return LEVELS.get(self.level, "medium")

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (an analysis handed back from the app's child process) without the pySigma condition trees,
        which hold modules: a rule read back is reported, never run again."""
        return {**self.__dict__, "conditions": ()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    @property
    def techniques(self) -> tuple[str, ...]:
        return techniques_of(self.tags)

    @property
    def key(self) -> str:
        return self.rule_id or f"{self.file}:{self.title}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "title": self.title, "file": self.file, "level": self.level,
                "status": self.status, "description": self.description, "author": self.author,
                "references": list(self.references), "falsepositives": list(self.falsepositives),
                "tags": list(self.tags), "logsource": dict(self.logsource)}


def techniques_of(tags: Iterable[str]) -> tuple[str, ...]:
    """ATT&CK technique ids from the ``attack.tNNNN[.NNN]`` tags, in the rule's order."""
    out: list[str] = []
    for tag in tags:
        ns, _, name = tag.partition(".")
        if ns == "attack" and _TECHNIQUE.match(name) and name.upper() not in out:
            out.append(name.upper())
    return tuple(out)


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)  # their ``rules`` index into ``rules``


def shipped_dir() -> Path:
    return resources_dir() / "sigma"


def _message(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__


def _leaves(node: Any) -> Iterable[Any]:
    if isinstance(node, (ConditionAND, ConditionOR, ConditionNOT)):
        for arg in node.args:
            yield from _leaves(arg)
    else:
        yield node


def _check_values(tree: Any) -> None:
    """Raise :class:`Unsupported` when a value of the tree cannot be matched exactly."""
    from sigma.types import SigmaExists, SigmaFieldReference, SigmaNull

    for leaf in _leaves(tree):
        if isinstance(leaf, (ConditionFieldEqualsValueExpression, ConditionValueExpression)):
            if isinstance(leaf.value, (SigmaNull, SigmaExists, SigmaFieldReference)):
                continue
            matcher(leaf.value)
        elif isinstance(leaf, ConditionItem):
            raise Unsupported(f"condition element {type(leaf).__name__} is not supported")


def _modifiers(rule: SigmaRule) -> set[str]:
    from sigma.modifiers import reverse_modifier_mapping
    from sigma.rule.detection import SigmaDetection

    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, SigmaDetection):
            for sub in item.detection_items:
                walk(sub)
        else:
            found.update(reverse_modifier_mapping.get(m.__name__, m.__name__) for m in item.modifiers)

    for detection in rule.detection.detections.values():
        walk(detection)
    return found


def _compile(rule: SigmaRule, file: str) -> Rule:
    logsource = {k: v for k, v in (("product", rule.logsource.product), ("service", rule.logsource.service),
                                   ("category", rule.logsource.category)) if v}
    sources = sources_for(rule.logsource.product, rule.logsource.service, rule.logsource.category)
    if not sources:
        where = ", ".join(f"{k}: {v}" for k, v in logsource.items()) or "none given"
        raise Unsupported(f"log source ({where}) is not one the workbench loads")
    unsupported = sorted(_modifiers(rule) - SUPPORTED_MODIFIERS)
    if unsupported:
        raise Unsupported(f"modifier{'s' * (len(unsupported) > 1)} {', '.join(unsupported)} not supported")
    trees = tuple(cond.parse() for cond in rule.detection.parsed_condition)
    implied = LOGSOURCE_FIELDS.get(((rule.logsource.product or "").lower(), (rule.logsource.service or "").lower()))
    if implied:  # e.g. windows/security: only the Security channel of the Windows source
        trees = tuple(ConditionAND([tree, ConditionFieldEqualsValueExpression(implied[0], SigmaString(implied[1]))])
                      for tree in trees)
    for tree in trees:
        _check_values(tree)
    return Rule(
        title=rule.title or Path(file).stem, file=file, sources=sources, conditions=trees,
        rule_id=str(rule.id) if rule.id else None,
        level=str(rule.level.name).lower() if rule.level else "medium",
        status=str(rule.status.name).lower() if rule.status else None,
        description=(rule.description or "").strip(), author=rule.author,
        references=tuple(map(str, rule.references or ())), falsepositives=tuple(map(str, rule.falsepositives or ())),
        tags=tuple(f"{t.namespace}.{t.name}".lower() for t in rule.tags or ()), logsource=logsource,
        name=getattr(rule, "name", None),
    )


def _correlation(parsed: SigmaCorrelationRule, file: str, rules: list[Rule]) -> Correlation:
    """A correlation over base rules of the same file (indexes into ``rules``)."""
    kind = str(parsed.type.name).lower()
    if kind not in TYPES:
        raise Unsupported(f"correlation type {kind} is not supported (only {', '.join(TYPES)})")
    if getattr(parsed.aliases, "aliases", None):
        raise Unsupported("correlation field aliases are not supported")
    refs = []
    for ref in parsed.rules or ():
        name = str(ref.reference)
        index = next((i for i, r in enumerate(rules) if name in (r.name, r.rule_id)), None)
        if index is None:
            raise Unsupported(f"correlation refers to rule {name!r}, which is not a runnable rule of the same file")
        refs.append(index)
    cond = parsed.condition
    op = str(getattr(cond, "op", None).name).lower() if getattr(cond, "op", None) is not None else "gte"
    if op not in OPERATORS:
        raise Unsupported(f"correlation condition {op} is not supported")
    value_field = getattr(cond, "fieldref", None)
    if kind == "value_count" and not value_field:
        raise Unsupported("a value_count correlation needs a condition field")
    return Correlation(
        title=parsed.title or Path(file).stem, file=file, type=kind, rules=tuple(refs),
        timespan=int(parsed.timespan.seconds), op=op, count=int(getattr(cond, "count", 1) or 0),
        group_by=tuple(parsed.group_by or ()), value_field=str(value_field) if value_field else None,
        rule_id=str(parsed.id) if parsed.id else None, level=str(parsed.level.name).lower() if parsed.level else "medium",
        description=(parsed.description or "").strip(), author=parsed.author,
        references=tuple(map(str, parsed.references or ())), falsepositives=tuple(map(str, parsed.falsepositives or ())),
        tags=tuple(f"{t.namespace}.{t.name}".lower() for t in parsed.tags or ()),
        extra={"generate": bool(parsed.generate)},
    )


def load_file(path: Path, shown: str) -> tuple[list[Rule], list[RuleError], list[Correlation]]:
    """The rules of one YAML file (it may hold several documents), the errors of those that cannot run, and
    its correlation rules (their ``rules`` index into the returned rules)."""
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        if not all(isinstance(d, dict) or d is None for d in docs):
            return [], [RuleError(shown, "not a Sigma rule: a YAML document in it is not a mapping")], []
        collection = SigmaCollection.from_dicts(docs, collect_errors=True, source=SigmaRuleLocation(path),
                                                policy=_POLICY)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [RuleError(shown, f"cannot be read: {exc}")], []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        return [], [RuleError(shown, f"invalid YAML: {where}{getattr(exc, 'problem', None) or _message(exc)}")], []
    except (SigmaError, ValueError, TypeError, AttributeError) as exc:
        return [], [RuleError(shown, f"not a Sigma rule: {_message(exc)}")], []
    rules: list[Rule] = []
    errors = [RuleError(shown, _message(e)) for e in collection.errors if not any(
        e in r.errors for r in collection.rules)]
    pending: list[SigmaCorrelationRule] = []
    for parsed in collection.rules:
        title = getattr(parsed, "title", None)
        if isinstance(parsed, SigmaCorrelationRule):
            pending.append(parsed)
            continue
        if parsed.errors:
            errors.extend(RuleError(shown, _message(e), title) for e in parsed.errors)
            continue
        try:
            rules.append(_compile(parsed, shown))
        except (Unsupported, SigmaError) as exc:
            errors.append(RuleError(shown, _message(exc), title))
    correlations: list[Correlation] = []
    for parsed in pending:
        try:
            correlations.append(_correlation(parsed, shown, rules))
        except (Unsupported, SigmaError, AttributeError, TypeError, ValueError) as exc:
            errors.append(RuleError(shown, _message(exc), parsed.title))
    quiet = {i for c in correlations if not c.extra["generate"] for i in c.rules} - {
        i for c in correlations if c.extra["generate"] for i in c.rules}
    rules = [replace(r, generate=False) if i in quiet else r for i, r in enumerate(rules)]
    for filt in collection.filters:
        errors.append(RuleError(shown, "filter rules are not supported", getattr(filt, "title", None)))
    if not rules and not errors:
        errors.append(RuleError(shown, "no Sigma rule in this file"))
    return rules, errors, correlations


def load_rules(folders: Iterable[str | Path]) -> RuleSet:
    """Every rule under each folder (or the file itself); ``shipped`` names the project's own rules.

    A folder that does not exist is an error (the analyst mistyped it); a bad rule is not."""
    out = RuleSet()
    for given in folders:
        folder = shipped_dir() if str(given) == SHIPPED else Path(given)
        if not folder.exists():
            raise SigmaLoadError("no such Sigma rule folder", folder)
        out.folders.append(str(folder))
        files = [folder] if folder.is_file() else sorted(
            p for p in folder.rglob("*") if p.suffix.lower() in (".yml", ".yaml") and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts))
        for path in files:
            rules, errors, correlations = load_file(path, str(path))
            offset = len(out.rules)
            out.rules.extend(rules)
            out.errors.extend(errors)
            out.correlations.extend(replace(c, rules=tuple(i + offset for i in c.rules)) for c in correlations)
    return out
