"""Forms of the administration pages (Flask-WTF; CSRF included)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.labels import USER_ROLE_LABELS
from app.role_names import ROLES


def _role_choices():
    return [(r, str(USER_ROLE_LABELS[r])) for r in ROLES]


def _district_choices():
    """The deployment's districts, then the city (市级): what a user may belong to."""
    from app.auth.users import CITY, districts

    return [(d.code, f"{d.name}（{d.code}）") for d in districts()] + [(CITY, str(_l("City (all districts)")))]


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter a username.")), Length(max=64)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    role = SelectField(_l("Role"), choices=[])
    # Left out of a post (an older form, a script): the default district on create, unchanged on edit.
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    areas = TextAreaField(_l("Grids (codes, separated by commas or spaces)"), validators=[Optional(),
                                                                                          Length(max=20000)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(_l("Enter a password.")),
                                                                  Length(max=1024)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.district.choices = _district_choices()


class UserEditForm(FlaskForm):
    row_version = HiddenField()
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    role = SelectField(_l("Role"), choices=[])
    # Left out of a post (an older form, a script): the default district on create, unchanged on edit.
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    areas = TextAreaField(_l("Grids (codes, separated by commas or spaces)"), validators=[Optional(),
                                                                                          Length(max=20000)])
    active = BooleanField(_l("Account active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.district.choices = _district_choices()


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a password.")),
                                                              Length(max=1024)])


class TokenForm(FlaskForm):
    name = StringField(_l("What will use the token"), validators=[DataRequired(_l("Name the token.")),
                                                                  Length(max=100)])


class RevokeForm(FlaskForm):
    token_id = IntegerField(validators=[DataRequired()])


class UnlockForm(FlaskForm):
    """Lift a sign-in lockout (only the CSRF token)."""


class CategoryForm(FlaskForm):
    """The rules of one event category (app.events.categories checks the values and names the field)."""
    row_version = HiddenField()
    time_limit = StringField(_l("Time limit"), validators=[DataRequired(_l("Enter a time limit.")), Length(max=12)])
    time_unit = SelectField(_l("Counted in"), choices=[])
    handling_level = SelectField(_l("Handled at"), choices=[])
    duplicate_radius_m = StringField(_l("Duplicate radius (m; 0 turns the check off)"),
                                     validators=[DataRequired(_l("Enter a radius in metres (0 for none).")),
                                                 Length(max=6)])
    color = StringField(_l("Colour on the maps"), validators=[DataRequired(), Length(max=7)])
    active = BooleanField(_l("In use for new events"))

    def __init__(self, *args, **kwargs):
        from app.admin.category_pages import TIME_UNIT_LABELS
        from app.dispatch.texts import HANDLING_LEVEL_LABELS

        super().__init__(*args, **kwargs)
        self.time_unit.choices = [(k, str(v)) for k, v in TIME_UNIT_LABELS.items()]
        self.handling_level.choices = [(k, str(v)) for k, v in HANDLING_LEVEL_LABELS.items()]


class CategoryCreateForm(CategoryForm):
    """A new small class (小类): its code and name, plus the rules of CategoryForm."""
    big_class = StringField(_l("Big class code (2 digits)"), validators=[DataRequired(_l("Enter two digits.")),
                                                                          Length(max=2)])
    small_class = StringField(_l("Small class code (2 digits)"), validators=[DataRequired(_l("Enter two digits.")),
                                                                              Length(max=2)])
    label = StringField(_l("Name"), validators=[DataRequired(_l("Enter the category's name.")), Length(max=40)])
    big_class_label = StringField(_l("Big class name (only for a new big class)"), validators=[Optional(),
                                                                                              Length(max=40)])
