"""The employer's data as a form (registration and its correction) and the account forms, with the app's checks:
GB 32100 credit code, GB/T 2260 location, mobile number, the one password policy, the code tables."""
from __future__ import annotations

from typing import Any, Optional

from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.validators import Optional as Blank

from app.models.reference import EmployerNature, Industry
from app.security.forms import PolicyValidator
from app.security.passwords import POLICY_TEXT
from app.services import employer_registration as registration
from app.services import reference
from app.services.employer_registration import EmployerData
from app.services.reference import check_division, division_options
from app.validation import check_credit_code, check_mobile


def _checked(check: Any) -> Any:
    """A WTForms validator from one of the app's checks; the field keeps the normalised value."""

    def validate(_form: Any, field: Any) -> None:
        if not (field.data or "").strip():
            return
        result = check(field.data)
        if not result.ok:
            raise ValidationError(result.message)
        field.data = result.value

    return validate


def _reference_choices(model: Any, current: Optional[int] = None) -> list[tuple[str, str]]:
    return [("", _("Please choose"))] + [(str(r.id), f"{r.code} {r.name}") for r in reference.choices(model, current)]


class _ReferenceChoice:
    """A code-table choice: required while the table offers any row; an id not offered is refused."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, _form: Any, field: Any) -> None:
        offered = {value for value, _label in field.choices if value}
        if not field.data:
            if offered:
                raise ValidationError(_("Please choose one."))
            field.data = None
            return
        if field.data not in offered:
            raise ValidationError(_("Choose one of the listed entries."))


class EmployerDataForm(DynamicForm):
    """What an employer states about itself."""

    name = StringField(_l("Employer name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("The full name as on the business licence."))
    credit_code = StringField(_l("Unified social credit code"),
                              validators=[DataRequired(), Length(max=40), _checked(check_credit_code)],
                              description=_l("18 characters (GB 32100), as on the business licence."))
    nature = SelectField(_l("Employer nature"), validate_choice=False, validators=[_ReferenceChoice(EmployerNature)])
    industry = SelectField(_l("Industry"), validate_choice=False, validators=[_ReferenceChoice(Industry)])
    region_code = SelectField(_l("Location"), validate_choice=False,
                              validators=[DataRequired(), Length(max=10), _checked(check_division)])
    address = StringField(_l("Employer address"), validators=[DataRequired(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=50)])
    contact_mobile = StringField(_l("Contact mobile"), validators=[DataRequired(), Length(max=20),
                                                                     _checked(check_mobile)])

    DATA_FIELDS = ("name", "credit_code", "nature", "industry", "region_code", "address", "contact_name",
                   "contact_mobile")

    def offer_choices(self, nature_id: Optional[int] = None, industry_id: Optional[int] = None) -> None:
        self.nature.choices = _reference_choices(EmployerNature, nature_id)
        self.industry.choices = _reference_choices(Industry, industry_id)
        self.region_code.choices = [("", _("Please choose"))] + division_options()

    def fill_from(self, employer: Any) -> None:
        for key in ("name", "credit_code", "region_code", "address", "contact_name", "contact_mobile"):
            getattr(self, key).data = getattr(employer, key) or ""
        self.nature.data = str(employer.nature_id or "")
        self.industry.data = str(employer.industry_id or "")

    def data_of(self) -> EmployerData:
        return EmployerData(
            name=" ".join(self.name.data.split()), credit_code=self.credit_code.data,
            nature_id=int(self.nature.data) if self.nature.data else None,
            industry_id=int(self.industry.data) if self.industry.data else None,
            region_code=self.region_code.data, address=self.address.data.strip(),
            contact_name=self.contact_name.data.strip(), contact_mobile=self.contact_mobile.data)


class RegistrationForm(EmployerDataForm):
    """The public registration: the employer's data, the first account and the picture's characters."""

    username = StringField(_l("User name of the first account"), validators=[DataRequired(), Length(max=32)],
                           description=_l("4 to 32 characters: a letter first, then letters, digits or . _ - @."))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128), PolicyValidator()],
                             description=POLICY_TEXT)
    conf_password = PasswordField(_l("Confirm password"),
                                  validators=[DataRequired(), EqualTo("password", message=_l("Passwords must match"))])
    captcha = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=8)])

    def validate_credit_code(self, field: Any) -> None:
        """One employer per credit code: the second registration is told whom to ask instead."""
        holder = registration.credit_code_holder(field.data) if not field.errors else None
        if holder:
            raise ValidationError(registration.duplicate_message(holder))

    def validate_username(self, field: Any) -> None:
        problem = registration.username_problem((field.data or "").strip())
        if problem:
            raise ValidationError(problem)


class AccountForm(DynamicForm):
    """A colleague's account: the one-time password is generated and shown once."""

    username = StringField(_l("User Name"), validators=[DataRequired(), Length(max=32)],
                           description=_l("4 to 32 characters: a letter first, then letters, digits or . _ - @."))
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("Mobile phone"), validators=[Blank(), Length(max=20), _checked(check_mobile)])

    def validate_username(self, field: Any) -> None:
        problem = registration.username_problem((field.data or "").strip())
        if problem:
            raise ValidationError(problem)
