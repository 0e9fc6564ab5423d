"""Login, password and profile forms, with the password policy stated on screen."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from app.security.passwords import POLICY_TEXT, policy_error


class PolicyValidator:
    """Applies the one password policy to a WTForms field."""

    def __call__(self, form, field) -> None:  # noqa: ANN001
        error = policy_error(field.data or "")
        if error:
            raise ValidationError(error)


class LoginForm(DynamicForm):
    username = StringField(_l("User Name"), validators=[DataRequired(), Length(max=128)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    captcha = StringField(_l("Verification code"), validators=[Optional(), Length(max=8)])


class NewPasswordForm(DynamicForm):
    """Used by the admin setting a password: policy and confirmation, no old password."""

    password = PasswordField(_l("New password"), description=POLICY_TEXT,
                             validators=[DataRequired(), PolicyValidator()], widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(_l("Confirm new password"),
                                  validators=[EqualTo("password", message=_l("Passwords must match"))],
                                  widget=BS3PasswordFieldWidget())


class ChangePasswordForm(DynamicForm):
    """Used by a user changing their own password: the old one proves it is them."""

    old_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                 widget=BS3PasswordFieldWidget())
    password = PasswordField(_l("New password"), description=POLICY_TEXT,
                             validators=[DataRequired(), PolicyValidator()], widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(_l("Confirm new password"),
                                  validators=[EqualTo("password", message=_l("Passwords must match"))],
                                  widget=BS3PasswordFieldWidget())


class ProfileForm(DynamicForm):
    first_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)], widget=BS3TextFieldWidget())
    phone = StringField(
        _l("Mobile phone"),
        validators=[Optional(), Regexp(r"^1[3-9]\d{9}$", message=_l("Enter an 11-digit mobile number."))],
        widget=BS3TextFieldWidget(),
    )
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)], widget=BS3TextFieldWidget())
