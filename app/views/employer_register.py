"""AGR-7: /employer/register — an employer registers itself (anonymous, linked from the sign-in page): its data and
its first account; the school approves it. Rate-limited like the sign-in form and guarded by the same captcha."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app, g, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import limit
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security import captcha
from app.services import employer_registration as registration
from app.views.employer_forms import RegistrationForm


def _register_rate() -> str:
    """The sign-in form's limit per client address, unless the employer form has its own."""
    config = current_app.config
    return config.get("GEMS_EMPLOYER_REGISTER_RATE") or config.get("AUTH_RATE_LIMIT", "20 per minute")


class EmployerSignupView(BaseView):
    """Public: anyone may register an employer; it stays pending (and its accounts see only their status page)
    until the school approves it."""

    route_base = "/employer/register"
    default_view = "form"
    base_permissions: ClassVar[list[str]] = []
    title = _l("Employer registration")

    def _page(self, form: RegistrationForm, status: int = 200) -> Any:
        return self.render_template("employer/register.html", form=form, title=_("Employer registration"),
                                    data_fields=RegistrationForm.DATA_FIELDS), status

    @expose("/", methods=["GET"])
    def form(self) -> Any:
        if getattr(g, "user", None) is not None and g.user.is_authenticated:
            return redirect(url_for("HomeView.index"))
        form = RegistrationForm()
        form.offer_choices()
        return self._page(form)

    @expose("/", methods=["POST"])
    @limit(_register_rate, methods=["POST"])
    def submit(self) -> Any:
        form = RegistrationForm()
        form.offer_choices()
        solved = captcha.check(form.captcha.data)  # consumed whatever else is wrong: one picture, one attempt
        valid = form.validate()
        if not solved and not form.captcha.errors:
            form.captcha.errors = [_("The characters you entered do not match the picture. Enter the characters "
                                     "shown in the new picture.")]
        if not (valid and solved):
                return self._page(form, 422)
        try:
            employer, _user = registration.register(form.data_of(), form.username.data, form.password.data)
            db.session.commit()
        except registration.Refused as exc:
            db.session.rollback()
            for key, message in exc.errors.items():
                getattr(form, key or "name").errors = [*getattr(form, key or "name").errors, message]
            return self._page(form, 422)
        return self.render_template("employer/registered.html", employer=employer, username=form.username.data,
                                    title=_("Employer registration"))
