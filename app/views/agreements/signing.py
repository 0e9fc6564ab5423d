"""Screens of the signing part of tripartite agreements (issue 12): online signing as the employer and the graduate
do it (AGR-2); the review of signed agreements is the agreement_review part's."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB: the employer's two screens under the employer's menu, the graduate's under 就业服务."""
    from app.services import signing_forms  # noqa: F401  (audit sentences and field labels of agreement steps)
    from app.views.agreements.employer_portal import EMPLOYER_MENU  # the employer's one menu, the portal's
    from app.views.signing_employer import EmployerAgreementsView, EmployerInviteView
    from app.views.signing_student import StudentAgreementsView
    from app.views.student import CATEGORY as STUDENT_SERVICES

    appbuilder.add_view(EmployerAgreementsView, "EmployerAgreements", label=_l("Agreements and invitations"),
                        icon="fa-handshake-o", **EMPLOYER_MENU)
    appbuilder.add_view(EmployerInviteView, "EmployerInvite", label=_l("Invite a graduate"), icon="fa-paper-plane",
                        **EMPLOYER_MENU)
    appbuilder.add_view(StudentAgreementsView, "MyAgreements", label=_l("Online agreement signing"),
                        icon="fa-handshake-o", **STUDENT_SERVICES)
