"""Each agreement and termination step tells the parties who must act next, and the graduate of every decision
(in-app for graduates, employer accounts and reviewers; other channels plug into app.services.notify). The table says
who hears of which step; the texts are catalog messages rendered in the reader's language."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.termination import Termination
from app.models.user import User
from app.security.roles import COLLEGE, SCHOOL, role_names
from app.services.notify import TEMPLATES, WORDS, Message, notify
from app.validation.i18n import N_
from app.workflows.base import FireContext

GRADUATE, EMPLOYER_SIDE, COLLEGE_SIDE, SCHOOL_SIDE = "graduate", "employer", "college", "school"
LINKS = {
    GRADUATE: "/student/agreements/",
    EMPLOYER_SIDE: "/employer/agreements/",
    COLLEGE_SIDE: "/review/agreement/",
    SCHOOL_SIDE: "/review/agreement/",
}
TERMINATION_LINKS = {
    GRADUATE: "/student/terminations/",
    EMPLOYER_SIDE: "/employer/terminations/",
    COLLEGE_SIDE: "/review/termination/",
    SCHOOL_SIDE: "/review/termination/",
}

# trigger -> (who hears of it, message) — agreement steps; the employer's name and graduate's name are parameters
AGREEMENT_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((EMPLOYER_SIDE, COLLEGE_SIDE), N_("%(graduate)s accepted the invitation of %(employer)s; the "
                                                  "agreement awaits review.")),
    "decline": ((EMPLOYER_SIDE,), N_("%(graduate)s declined the invitation of %(employer)s. %(remark)s")),
    "withdraw": ((GRADUATE,), N_("%(employer)s withdrew its invitation.")),
    "confirm": ((GRADUATE, COLLEGE_SIDE), N_("%(employer)s confirmed the agreement request of %(graduate)s; it "
                                             "awaits review.")),
    "refuse": ((GRADUATE,), N_("%(employer)s refused your agreement request: %(remark)s")),
    "resubmit": ((COLLEGE_SIDE,), N_("The agreement of %(graduate)s with %(employer)s was corrected and awaits "
                                     "review again.")),
    "submit": ((SCHOOL_SIDE,), N_("The entered agreement of %(graduate)s with %(employer)s awaits the school's "
                                  "review.")),
    "approve_college": ((GRADUATE, SCHOOL_SIDE), N_("The agreement of %(graduate)s with %(employer)s passed the "
                                                    "college review and awaits the school.")),
    "approve_school": ((GRADUATE, EMPLOYER_SIDE), N_("The agreement of %(graduate)s with %(employer)s was approved "
                                                     "by the school: the employer stamps it next.")),
    "reject": ((GRADUATE, EMPLOYER_SIDE), N_("The agreement of %(graduate)s with %(employer)s was returned for "
                                             "correction by the %(level)s: %(remark)s")),
    "approve_entry": ((GRADUATE,), N_("Your entered agreement with %(employer)s was approved and archived into the "
                                      "employment plan.")),
    "stamp": ((GRADUATE,), N_("%(employer)s stamped the agreement: please confirm it.")),
    "confirm_stamp": ((SCHOOL_SIDE,), N_("%(graduate)s confirmed the stamped agreement with %(employer)s; the "
                                         "school confirms and archives it.")),
    "archive": ((GRADUATE, EMPLOYER_SIDE), N_("The agreement of %(graduate)s with %(employer)s is archived: it is in "
                                              "the employment plan.")),
    "revoke": ((GRADUATE, EMPLOYER_SIDE), N_("The school revoked the archive of the agreement of %(graduate)s with "
                                             "%(employer)s: %(remark)s")),
    "restore": ((GRADUATE, EMPLOYER_SIDE), N_("The school restored the archive of the agreement of %(graduate)s with "
                                              "%(employer)s.")),
    "terminate": ((GRADUATE, EMPLOYER_SIDE), N_("The agreement of %(graduate)s with %(employer)s has ended by "
                                                "termination.")),
    # the two starts and changes of terms (app.services.signing_forms), which are no engine steps
    "invite": ((GRADUATE,), N_("%(employer)s invites you to sign a tripartite agreement: please accept or decline "
                               "it before it expires.")),
    "request": ((EMPLOYER_SIDE,), N_("%(graduate)s asks %(employer)s to sign a tripartite agreement: please confirm "
                                     "or refuse it.")),
    "edited_by_employer": ((GRADUATE,), N_("%(employer)s changed the terms of its agreement with %(graduate)s: "
                                           "please read them again.")),
    "edited_by_graduate": ((EMPLOYER_SIDE,), N_("%(graduate)s changed the terms of the agreement with "
                                                "%(employer)s: please read them again.")),
    "cancel": ((GRADUATE, EMPLOYER_SIDE), N_("The agreement of %(graduate)s with %(employer)s was cancelled.")),
}
TERMINATION_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "request": ((), N_("%(requester)s asks to terminate the agreement of %(graduate)s with %(employer)s: please "
                     "agree or refuse.")),  # the other party: see _termination_recipients
    "submit_offline": ((COLLEGE_SIDE,), N_("%(graduate)s submitted a termination with the signed letter; it awaits "
                                           "review.")),
    "agree": ((COLLEGE_SIDE, SCHOOL_SIDE), N_("%(graduate)s and %(employer)s agreed to terminate their agreement; the "
                                              "termination letter is issued and the request awaits review.")),
    "refuse": ((), N_("The termination request of the agreement of %(graduate)s with %(employer)s was refused by the "
                    "other party: %(remark)s")),
    "withdraw": ((), N_("The termination request of the agreement of %(graduate)s with %(employer)s was withdrawn.")),
    "approve_college": ((SCHOOL_SIDE,), N_("The termination of %(graduate)s with %(employer)s passed the college "
                                           "review and awaits the school.")),
    "approve_school": ((GRADUATE, EMPLOYER_SIDE), N_("The termination of the agreement of %(graduate)s with "
                                                     "%(employer)s was approved: the agreement has ended, a new "
                                                     "agreement number is issued.")),
    "reject": ((GRADUATE, EMPLOYER_SIDE), N_("The termination of the agreement of %(graduate)s with %(employer)s was "
                                             "not approved by the %(level)s: %(remark)s")),
    "force": ((GRADUATE, EMPLOYER_SIDE), N_("The school terminated the agreement of %(graduate)s with %(employer)s: "
                                            "%(remark)s")),
}
TEMPLATES.update({f"agreement.{k}": v for k, (_who, v) in AGREEMENT_STEPS.items()})
TEMPLATES.update({f"termination.{k}": v for k, (_who, v) in TERMINATION_STEPS.items()})
REQUESTERS = {"graduate": N_("The graduate"), "employer": N_("The employer"), "school": N_("The school")}
WORDS["requester"] = REQUESTERS


def _employer_accounts(employer_ids: Iterable[int]) -> dict[int, list[int]]:
    rows = db.session.execute(select(User.id, User.employer_id).where(
        User.employer_id.in_(list(employer_ids)), User.active.is_(True))).all()
    out: dict[int, list[int]] = defaultdict(list)
    for user_id, employer_id in rows:
        out[employer_id].append(user_id)
    return out


def _reviewers(role: str) -> list[Any]:
    users = db.session.execute(select(User).where(User.active.is_(True))).scalars()
    return [u for u in users if role in role_names(u)]


def _college_reviewers_of(department_ids: Iterable[int]) -> dict[int, list[int]]:
    """department id -> active college reviewers whose department contains it (the college and any unit above)."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    reviewers = _reviewers(COLLEGE)
    out: dict[int, list[int]] = {}
    for department_id in set(department_ids):
        chain, node = [], department_id
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        out[department_id] = [u.id for u in reviewers if u.department_id in chain]
    return out


def _send(rows: list[Any], kind: str, sides: tuple[str, ...], links: dict[str, str], params_of: Any,
          extra: dict[Any, tuple[str, ...]] | None = None) -> None:
    """rows carry graduate_user, employer_id, department_id; `extra` adds sides per row (a request's other party)."""
    employers = _employer_accounts({r.employer_id for r in rows})
    colleges = _college_reviewers_of({r.department_id for r in rows}) if any(
        COLLEGE_SIDE in sides + (extra or {}).get(r.id, ()) for r in rows) else {}
    school = [u.id for u in _reviewers(SCHOOL)] if SCHOOL_SIDE in sides else []
    messages = []
    for row in rows:
        params = params_of(row)
        for side in sides + (extra or {}).get(row.id, ()):
            users = {GRADUATE: [row.graduate_user] if row.graduate_user else [],
                     EMPLOYER_SIDE: employers.get(row.employer_id, []),
                     COLLEGE_SIDE: colleges.get(row.department_id, []), SCHOOL_SIDE: school}[side]
            messages += [Message(user_id, kind, params, links[side]) for user_id in users]
    notify(messages)


def _level(ctx: FireContext) -> str:
    from app.workflows.review_builder import decision_level

    return decision_level(ctx)


def notify_agreement_step(trigger: str, ids: list[Any], ctx: FireContext) -> None:
    if trigger not in AGREEMENT_STEPS:
        return
    from app.models.employer import Employer

    sides, _text = AGREEMENT_STEPS[trigger]
    rows = db.session.execute(select(Agreement.id, Agreement.employer_id, Graduate.user_id.label("graduate_user"),
                                     Graduate.department_id, Graduate.name.label("graduate"),
                                     Employer.name.label("employer"))
                              .join(Graduate, Graduate.id == Agreement.graduate_id)
                              .join(Employer, Employer.id == Agreement.employer_id)
                              .where(Agreement.id.in_(ids))).all()
    level = _level(ctx)
    _send(rows, f"agreement.{trigger}", sides, LINKS,
          lambda r: {"graduate": r.graduate, "employer": r.employer, "remark": ctx.remark, "level": level})


def notify_termination_step(trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """As the agreement's, plus: a request goes to the other party; a refusal or withdrawal to the requester's
    counterpart."""
    if trigger not in TERMINATION_STEPS:
        return
    from app.models.employer import Employer

    sides, _text = TERMINATION_STEPS[trigger]
    rows = db.session.execute(select(Termination.id, Termination.requested_by, Agreement.employer_id,
                                     Graduate.user_id.label("graduate_user"), Graduate.department_id,
                                     Graduate.name.label("graduate"), Employer.name.label("employer"))
                              .join(Agreement, Agreement.id == Termination.agreement_id)
                              .join(Graduate, Graduate.id == Termination.graduate_id)
                              .join(Employer, Employer.id == Agreement.employer_id)
                              .where(Termination.id.in_(ids))).all()
    extra: dict[Any, tuple[str, ...]] = {}
    for row in rows:
        requester = GRADUATE if row.requested_by == "graduate" else EMPLOYER_SIDE
        other = EMPLOYER_SIDE if requester == GRADUATE else GRADUATE
        if trigger in ("request", "withdraw"):
            extra[row.id] = (other,)
        elif trigger == "refuse":
            extra[row.id] = (requester,)
    level = _level(ctx)
    _send(rows, f"termination.{trigger}", sides, TERMINATION_LINKS,
          lambda r: {"graduate": r.graduate, "employer": r.employer, "remark": ctx.remark, "level": level,
                     "requester": r.requested_by}, extra)


__all__ = ["AGREEMENT_STEPS", "LINKS", "TERMINATION_LINKS", "TERMINATION_STEPS", "notify_agreement_step",
           "notify_termination_step"]
