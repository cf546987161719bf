"""Errors a user can fix. The CLI turns them into one message and exit code 2, no traceback.

Anything else that escapes is a bug (exit 1, traceback kept).
"""
from __future__ import annotations


class UserError(Exception):
    """A problem in the user's input (config, grid, data, download). Exit code 2.

    The message names the thing (file, ticker, key, date) and says how to fix it.
    """

    exit_code = 2


class DataError(UserError):
    """Bad, missing or unusable price data."""


class ConfigError(UserError):
    """A bad config file, parameter or command-line option."""


class DataWarning(UserWarning):
    """A finding worth a look that does not stop the run (e.g. a daily move over +60%)."""
