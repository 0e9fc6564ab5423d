"""AGR-6: /verify/<code> — the public page anyone holding a printed agreement or termination letter opens (by the
QR code or by typing the code at /verify/): genuine or not, in force or not, and whether that copy is the current
version. No sign-in; rate-limited per client like the captcha; an unknown code reveals nothing."""
from __future__ import annotations

from typing import Any

from flask import current_app, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _

from app.services import documents
from app.services.masking import mask_name

RATE_LIMIT = "30 per minute"  # GEMS_VERIFY_RATE_LIMIT overrides, read at each request


def rate_limit() -> str:
    return str(current_app.config.get("GEMS_VERIFY_RATE_LIMIT") or RATE_LIMIT)


class DocumentVerifyView(BaseView):
    """Public: no @has_access on purpose; the code itself is the key to the page."""

    route_base = "/verify"
    class_permission_name = "VerifyDocument"  # the menu entry's name: one screen in the role editor, not two
    default_view = "index"

    @expose("/")
    def index(self) -> Any:
        """The form to type a code from paper; a well-formed code goes to its page."""
        typed = request.args.get("code")
        if typed is None:
            return self.render_template("documents/verify_form.html", title=_("Verify a document"), error=None)
        code = documents.normalise_code(typed)
        if code is None:
            html = self.render_template("documents/verify_form.html", title=_("Verify a document"), typed=typed,
                                        error=_("A verification code has 12 letters and digits, as printed beside "
                                                "the QR code."))
            return make_response(html, 400)
        return redirect(url_for(".show", code=code))

    @expose("/<code>")
    def show(self, code: str) -> Any:
        printed = request.args.get("h")
        if printed is not None and not documents.HASH_SHAPE.match(printed.strip().lower()):
            html = self.render_template("documents/verify_form.html", title=_("Verify a document"),
                                        error=_("The check value in this link is damaged. Type the verification "
                                                "code printed on the document instead."))
            return make_response(html, 400)
        found = documents.check(code, printed.strip().lower() if printed else None)
        if found is None:
            html = self.render_template("documents/verify_unknown.html", title=_("No such document"))
            return make_response(html, 404)
        agreement = found.agreement
        school, _college = documents.org_units(agreement.graduate.department)
        return self.render_template(
            "documents/verify.html", title=_("Verify a document"), found=found, school=school,
            graduate=mask_name(agreement.graduate.name, organisation=False),
            employer=mask_name(agreement.employer.name, organisation=True), number=agreement.number_text,
            code=documents.grouped(documents.normalise_code(code)))


def limit(app: Any, appbuilder: Any) -> None:
    """Both doors of the page count against one per-client limit (each answer costs queries and a hash)."""
    limiter = appbuilder.sm.limiter
    shared = limiter.shared_limit(rate_limit, scope="document-verify")
    for endpoint in ("DocumentVerifyView.index", "DocumentVerifyView.show"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])


__all__ = ["DocumentVerifyView", "limit", "rate_limit"]
