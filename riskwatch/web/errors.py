"""Errors of the web console.

WebError
 └── WebConfigError   the ``web:`` section cannot serve (no users, no exposure file for reports)
"""

from __future__ import annotations


class WebError(Exception):
    """Base of the console's errors."""


class WebConfigError(WebError):
    """The config lacks something the console needs; the message names the key."""
