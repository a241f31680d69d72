from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField


class AnalysisForm(FlaskForm):
    weaknesses = TextAreaField("短板弱项")
    measures = TextAreaField("举措")


class RequestForm(FlaskForm):
    month = StringField("分析月份")
    workdays = StringField("填报时限（工作日）", default="5")


class PointForm(FlaskForm):
    enterprise = StringField("企业")
    note = StringField("备注")


class AreaRowForm(FlaskForm):
    """One row of the admin's areas table (inside one form: no CSRF of its own)."""
    name = StringField("名称")
    department = SelectField("责任部门", coerce=int)
    is_active = BooleanField("启用")


class NewAreaForm(FlaskForm):
    name = StringField("新增领域")
    department = SelectField("责任部门", coerce=int)


class CategoryAreaForm(FlaskForm):
    area = SelectField("领域", coerce=int)
