"""The project's own errors: the faces (CLI, app) catch ``SLRSError`` and show its message.

Every class also subclasses a built-in so callers that know nothing of SLRS can still catch it.
Anything that is not an ``SLRSError`` is a bug and must surface in tests.
"""

from __future__ import annotations


class SLRSError(Exception):
    """Base class of every error SLRS raises on purpose."""


class DataValidationError(SLRSError, ValueError):
    """A portfolio file or table is unusable as a whole.

    Parameters
    ----------
    problems : list of str
        Every file-level problem found, each naming what was found and what was expected.
    """

    def __init__(self, problems: list[str], source: str = "the portfolio") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"{source} cannot be used:\n{lines}")

    def __reduce__(self) -> tuple:  # rebuilt from its own arguments when a cluster worker sends it back
        return type(self), (self.problems, self.source)


class ConfigError(SLRSError, ValueError):
    """A configuration value (thresholds, k, assumptions) is out of its allowed range."""


class ModelArtifactError(SLRSError, RuntimeError):
    """Trained artifacts are missing, altered or were made with other library versions."""


class StoreError(SLRSError, RuntimeError):
    """The store (the database of snapshots, scenarios and the audit log) cannot be reached or refused a change."""
