"""The names of the certificate profiles, whose rules live in :mod:`glasstls.pki.certificate_profile`.

Apart from the rules so that a config can check a profile's name without loading them (and
``cryptography.x509``) when a program imports glasstls (issue 17: import time).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["PROFILES", "ProfileName"]

ProfileName = Literal["web", "rfc5280"]
PROFILES: tuple[ProfileName, ...] = ("web", "rfc5280")
