"""Who may reach the review server and who is reviewing: the bind policy and the reviewer name.

Kept apart from :mod:`aligned.server.app` so that the CLI can check ``--host`` (and name the
reviewer) before it imports Starlette and uvicorn.
"""

from __future__ import annotations

import getpass
import ipaddress

from corpus.errors import ConfigError

__all__ = ["bind_policy", "default_who", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_policy(host: str, *, explicit: bool) -> str | None:
    """Decide whether the server may bind to ``host``.

    Loopback: allowed, no warning (None). Any other address only when the user named it with
    ``--host`` (``explicit``): then a warning to print; otherwise a :class:`ConfigError`.
    """
    if is_loopback(host):
        return None
    if not explicit:
        raise ConfigError(
            f"refusing to serve the review page on non-loopback host {host!r}: anyone who can "
            "reach it could read the corpus. Pass --host explicitly to do so on purpose, or "
            "use --host 127.0.0.1"
        )
    return (
        f"serving on {host!r}, not loopback: anyone who can reach this address can read the "
        "corpus and, with the token in the printed URL's page, change reviews"
    )


def default_who() -> str:
    """The OS user name (the reviewer recorded with each decision), or 'reviewer'."""
    try:
        return getpass.getuser() or "reviewer"
    except Exception:  # no user name in the environment (containers): still review
        return "reviewer"
