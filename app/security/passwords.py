"""The one password policy (ORG-4): at least 8 characters from at least three character classes."""
from __future__ import annotations

import secrets
import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
OTP_ALPHABET = string.ascii_letters + string.digits + "#%+=@"  # one-time passwords: no look-alike quoting
POLICY_TEXT = _l(
    "At least 8 characters, using at least three of: lower-case letters, upper-case letters, digits, symbols."
)


def character_classes(password: str) -> int:
    return sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))


def policy_error(password: str) -> str | None:
    """The translated reason the password breaks the policy, or None."""
    if len(password or "") < MIN_LENGTH:
        return _("The password must be at least %(n)d characters long.", n=MIN_LENGTH)
    if character_classes(password) < 3:
        return _("The password must mix at least three of: lower-case, upper-case, digits, symbols.")
    return None


def check_policy(password: str) -> None:
    """Raise FAB's complexity error so FAB's own forms show our message."""
    error = policy_error(password)
    if error:
        raise PasswordComplexityValidationError(error)


def one_time_password() -> str:
    """A random 12-character password that satisfies the policy, shown once to the admin who reset it."""
    while True:
        candidate = "".join(secrets.choice(OTP_ALPHABET) for _ in range(12))
        if policy_error(candidate) is None and candidate[0].isalnum():
            return candidate
