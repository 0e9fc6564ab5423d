"""REG-3 screens: a school user enters a missed graduate (生源补报), edits it while draft, submits it through the engine."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from app.extensions import db
from app.formatters import blank_if_none, coded
from app.models.supplementary import SupplementaryReport
from app.security.pii import show_id
from app.security.roles import role_names
from app.services import audit
from app.services.supplementary import LABELS, normalise, report_problems
from app.timeutil import local_display, utcnow
from app.validation import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
)
from app.validation.codes import Choices, translated
from app.views.base import ScopedModelView, interface
from app.workflows import WorkflowError, fire
from app.workflows.supplementary import SUPPLEMENTARY

CODE_LISTS: dict[str, Choices] = {
    "gender": GENDERS,
    "ethnicity": ETHNICITIES,
    "political_status": POLITICAL_STATUSES,
    "education_level": EDUCATION_LEVELS,
    "schooling_length": SCHOOLING_LENGTHS,
    "training_mode": TRAINING_MODES,
}
FORM_COLUMNS = ["cohort", "department", "major", "student_no", "name", "id_number", "birth_date", "gender",
                "ethnicity", "political_status", "education_level", "schooling_length", "training_mode", "origin",
                "exam_no", "enrolment_date", "graduation_date", "reason", "qualification_name",
                "qualification_level", "qualification_issuer", "qualification_date"]


def _select(column: str, required: bool = False) -> SelectField:
    """A coded field as a select of translated labels; the choices are built per request so the locale applies."""
    choices = CODE_LISTS[column]
    return SelectField(
        LABELS[column],
        choices=lambda: [("", "—")] + translated(choices),
        validators=[DataRequired()] if required else [Optional()],
    )


def _form_fields() -> dict[str, SelectField]:
    return {column: _select(column, required=column == "education_level") for column in CODE_LISTS}


def _fieldsets(with_status: bool) -> list[tuple[Any, dict[str, Any]]]:
    sets: list[tuple[Any, dict[str, Any]]] = [
        (_l("Placement"), {"fields": ["cohort", "department", "major", "student_no"]}),
        (_l("Identity"), {"fields": ["name", "id_number", "birth_date", "gender", "ethnicity", "political_status",
                                     "origin"]}),
        (_l("Enrolment"), {"fields": ["education_level", "schooling_length", "training_mode", "exam_no",
                                      "enrolment_date", "graduation_date", "reason"]}),
        (_l("Professional qualification (optional; all four or none)"),
         {"fields": ["qualification_name", "qualification_level", "qualification_issuer", "qualification_date"]}),
    ]
    if with_status:
        sets.append((_l("Submission"), {"fields": ["status", "created_at", "submitted_at", "graduate"]}))
    return sets


class SupplementaryListWidget(ListWidget):
    """The list without edit/delete buttons on submitted rows, so no button pretends to work."""

    template = "supplementary/list_widget.html"


class SupplementaryReportModelView(ScopedModelView):
    """Draft reports are edited freely; submitting freezes them and adds the graduate at 二级待审 (REG-3)."""

    datamodel = interface(SupplementaryReport)
    class_permission_name = "SupplementaryReports"
    route_base = "/supplementary"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    list_title = _l("Supplementary reports")
    show_title = _l("Supplementary report")
    add_title = _l("New supplementary report")
    edit_title = _l("Edit supplementary report")
    label_columns = LABELS
    description_columns = {
        "id_number": _l("15 or 18 digits; a 15-digit number is upgraded to 18. Date of birth and gender are "
                        "taken from it when left empty."),
        "birth_date": _l("Filled from the ID number; if you change it, it must still agree with the ID number."),
        "origin": _l("Written as province + city + district, or province + county, e.g. 湖南省岳阳县."),
    }
    list_columns = ["cohort", "student_no", "name", "id_number", "department", "major", "education_level",
                    "status", "submitted_at"]
    show_columns = FORM_COLUMNS + ["status", "created_at", "submitted_at", "graduate"]
    add_columns = edit_columns = FORM_COLUMNS
    show_fieldsets = _fieldsets(with_status=True)
    add_fieldsets = edit_fieldsets = _fieldsets(with_status=False)
    add_form_extra_fields = edit_form_extra_fields = _form_fields()
    # no search or sort on the ID number, so the masked digits cannot be recovered from results or order
    search_columns = ["cohort", "student_no", "name", "department", "major"]
    order_columns = ["student_no", "name", "submitted_at"]
    base_order = ("id", "desc")
    list_widget = SupplementaryListWidget
    add_template = "supplementary/add.html"
    edit_template = "supplementary/edit.html"
    show_template = "supplementary/show.html"
    formatters_columns = {
        "id_number": show_id,
        "status": SUPPLEMENTARY.label,
        "submitted_at": local_display,
        "created_at": local_display,
        **{column: coded(choices) for column, choices in CODE_LISTS.items()},
        **dict.fromkeys(("birth_date", "origin", "exam_no", "enrolment_date", "graduation_date", "qualification_name", "qualification_level", "qualification_issuer", "qualification_date", "graduate"), blank_if_none),
    }

    # -- draft-only editing -------------------------------------------------------------------------------
    def _editable(self, item: SupplementaryReport) -> bool:
        return SUPPLEMENTARY.can_edit(item.status, role_names(g.user))

    def _frozen_message(self) -> str:
        return str(SUPPLEMENTARY.refusals[("submit", "submitted")])

    def _lock_draft(self, item: SupplementaryReport) -> None:
        """Re-read the status under a row lock so a concurrent submit cannot slip between check and write."""
        with db.session.no_autoflush:
            status = db.session.execute(
                select(SupplementaryReport.status).where(SupplementaryReport.id == item.id).with_for_update()
            ).scalar_one_or_none()
        if status is None or not SUPPLEMENTARY.can_edit(status, role_names(g.user)):
            db.session.rollback()  # drop the form's changes to the loaded row
            raise ValueError(self._frozen_message())

    def _edit(self, pk: Any) -> Any:
        """Refuse the form itself (not only the save) once the report is submitted."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if not self._editable(item):
            flash(self._frozen_message(), "danger")
            g.gems_supplementary_refused = item.id
            return None
        return super()._edit(pk)

    def post_edit_redirect(self) -> Any:
        """A refused edit lands on the report (which says why), not on whatever page came before."""
        refused = getattr(g, "gems_supplementary_refused", None)
        if refused is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=refused))
        return super().post_edit_redirect()

    def post_delete_redirect(self) -> Any:
        """After a delete the report is gone, so go to the list; a refused delete stays on the report."""
        refused = getattr(g, "gems_supplementary_refused", None)
        if refused is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=refused))
        return redirect(url_for(f"{self.endpoint}.list"))

    def pre_add(self, item: SupplementaryReport) -> None:
        g.gems_supplementary_notes = normalise(item)
        item.created_by_id = g.user.id
        item.created_at = utcnow()

    def post_add(self, item: SupplementaryReport) -> None:
        audit.record("supplementary.created", "supplementary_report", item.id, student_no=item.student_no,
                     cohort=item.cohort_id)
        db.session.commit()
        self._flash_state(item)

    def pre_update(self, item: SupplementaryReport) -> None:
        g.gems_supplementary_refused = item.id
        self._lock_draft(item)
        g.gems_supplementary_refused = None
        g.gems_supplementary_notes = normalise(item)

    def post_update(self, item: SupplementaryReport) -> None:
        audit.record("supplementary.updated", "supplementary_report", item.id, student_no=item.student_no)
        db.session.commit()
        self._flash_state(item)

    def pre_delete(self, item: SupplementaryReport) -> None:
        g.gems_supplementary_refused = item.id
        self._lock_draft(item)
        g.gems_supplementary_refused = None

    def post_delete(self, item: SupplementaryReport) -> None:
        audit.record("supplementary.deleted", "supplementary_report", item.id, student_no=item.student_no)
        db.session.commit()

    def _flash_state(self, item: SupplementaryReport) -> None:
        """After a save: what was filled in, and what still blocks submission (a draft may be incomplete)."""
        for note in getattr(g, "gems_supplementary_notes", []):
            flash(note, "info")
        problems = report_problems(item)
        if problems:
            flash(_("Saved as a draft. Before it can be submitted: %(problems)s",
                    problems="；".join(problems)), "warning")

    # -- show with the problems, the frozen notice and a working submit button ----------------------------
    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: Any) -> Any:
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        widgets = self._show(item.id)
        editable = self._editable(item)
        sm = self.appbuilder.sm
        return self.render_template(
            self.show_template, pk=item.id, title=self.show_title, widgets=widgets, related_views=[],
            item=item, editable=editable, problems=report_problems(item) if editable else [],
            frozen_message=None if editable else self._frozen_message(),
            can_edit=editable and sm.has_access("can_edit", self.class_permission_name),
            can_delete=editable and sm.has_access("can_delete", self.class_permission_name),
            can_submit=editable and sm.has_access("submit", self.class_permission_name),
            edit_url=url_for(f"{self.endpoint}.edit", pk=item.id),
            delete_url=url_for(f"{self.endpoint}.delete", pk=item.id),
            submit_url=url_for(f"{self.endpoint}.action_post"),
        )

    @action("submit", _l("Submit"), _l("Submit the selected reports? Submitted reports can no longer be edited "
                                       "or deleted."), "fa-paper-plane", multiple=True, single=False)
    def submit(self, items: Any) -> Any:
        """One engine call per report, so two reports for the same student in one batch cannot both pass."""
        items = items if isinstance(items, list) else [items]
        targets = [(item.id, item.version, item.name) for item in items]
        done = 0
        for report_id, version, name in targets:
            try:
                result = fire(SUPPLEMENTARY, "submit", report_id, g.user, expected_version=version)
            except (WorkflowError, ValueError) as exc:
                db.session.rollback()
                flash(_("%(name)s: %(reason)s", name=name, reason=str(exc)), "danger")
                continue
            if result.ok:
                done += 1
            else:
                flash(_("%(name)s: %(reason)s", name=name, reason=result.reason), "danger")
        if done:
            flash(_("%(n)d supplementary report(s) submitted; the graduates were added at college review.",
                    n=done), "success")
        if len(targets) == 1:
            return redirect(url_for(f"{self.endpoint}.show", pk=targets[0][0]))
        return redirect(self.get_redirect())
