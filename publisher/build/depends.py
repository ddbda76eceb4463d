"""Dependencies written once, in Debian's syntax, and rendered for each format."""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.errors import BuildError

# "name", "name (>= 1.0)" (Debian) or "name >= 1.0" (RPM); ":any" qualifiers are Debian's.
_RELATION = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_][A-Za-z0-9._+()/-]*?(?::[a-z0-9-]+)?)\s*"
    r"(?:\(\s*(?P<op1><<|<=|>=|>>|=|<|>)\s*(?P<ver1>[^\s()]+)\s*\)"
    r"|(?P<op2><<|<=|>=|>>|=|<|>)\s*(?P<ver2>[^\s()]+))?\s*$"
)
_DEB_OPS = {"<": "<<", ">": ">>", "<<": "<<", ">>": ">>", "<=": "<=", ">=": ">=", "=": "="}
_RPM_OPS = {"<<": "<", ">>": ">", "<=": "<=", ">=": ">=", "=": "="}


@dataclass(frozen=True)
class Relation:
    name: str
    op: str | None = None  # Debian spelling: << <= = >= >>
    version: str | None = None

    def deb(self) -> str:
        return f"{self.name} ({self.op} {self.version})" if self.op else self.name

    def rpm(self) -> str:
        return f"{self.name} {_RPM_OPS[self.op]} {self.version}" if self.op else self.name


@dataclass(frozen=True)
class Dependency:
    """One requirement, satisfied by any of its alternatives ("a | b")."""

    alternatives: tuple[Relation, ...]

    def deb(self) -> str:
        return " | ".join(rel.deb() for rel in self.alternatives)


def parse_relation(text: str, what: str) -> Relation:
    match = _RELATION.match(text)
    if not match:
        raise BuildError(f"{what} {text.strip()!r}: expected NAME or NAME (OP VERSION)")
    op = match["op1"] or match["op2"]
    version = match["ver1"] or match["ver2"]
    return Relation(match["name"], _DEB_OPS[op] if op else None, version)


def parse_dependency(text: str, what: str = "dependency") -> Dependency:
    return Dependency(tuple(parse_relation(alt, what) for alt in text.split("|")))
