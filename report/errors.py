"""The known ways a build can fail; cli.py turns each into one message and an exit code."""
from __future__ import annotations


class ReportError(Exception):
    """A failure the user can fix; printed without a traceback."""

    category = "error"
    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ConfigError(ReportError):
    """The YAML config is invalid."""

    category = "config error"
    exit_code = 2


class InputError(ReportError):
    """An input file is missing, unreadable or does not follow the contract."""

    category = "input error"
    exit_code = 3


class RenderError(ReportError):
    """Rendering HTML, charts or PDF failed."""

    category = "render error"
    exit_code = 4


class OutputError(ReportError):
    """The output folder cannot be written."""

    category = "output error"
    exit_code = 5


class EngineError(ReportError):
    """The aggregation engine (Spark, a cluster) failed for a reason that is not the inputs'."""

    category = "engine error"
    exit_code = 6
