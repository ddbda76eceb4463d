"""What one repository's publish did, as the CLI reports it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # settings: `baseurl OLD -> NEW`
    written: int = 0  # objects put into the store
    notices: list[str] = field(default_factory=list)
