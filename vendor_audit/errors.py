"""Exceptions the command line catches, in a module light enough to import before anything else."""

from __future__ import annotations

__all__ = ["ProfileError"]


class ProfileError(Exception):
    """The profile cannot be used; the message says where, what and what to write instead."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = ""
        if len(problems) > 1:
            more = f"\n  (and {len(problems) - 1} more problem(s):\n    " + "\n    ".join(problems[1:]) + ")"
        super().__init__(problems[0] + more)
