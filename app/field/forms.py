from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from app.field.models import SupervisionKind, VisitLevel
from app.media.operations import new_upload_key

DATE_MESSAGE = "日期格式应为YYYY-MM-DD"


class VisitForm(FlaskForm):
    enterprise = SelectField("走访企业", coerce=int, validators=[DataRequired("请选择走访的企业")])
    visited_on = DateField("走访日期", validators=[DataRequired(DATE_MESSAGE)])
    level = SelectField("走访层级", choices=[(v.name, v.label) for v in VisitLevel])
    team = SelectField("服务团", coerce=int, validators=[Optional()])
    with_leader = BooleanField("包联领导同行")
    companions = StringField("同行人员", validators=[Optional()])
    heard = TextAreaField("了解的情况")
    contact_name = StringField("企业联系人", validators=[Optional()])
    contact_phone = StringField("联系人手机", validators=[Optional()])
    attachments = MultipleFileField("照片")
    upload_key = HiddenField(default=new_upload_key)


class AssignmentForm(FlaskForm):
    enterprise = SelectField("企业", coerce=int, validators=[DataRequired("请选择企业")])
    leader = SelectField("包联领导", coerce=int, validators=[DataRequired("请选择包联领导")])
    department = SelectField("责任部门", coerce=int, validators=[Optional()])
    liaison = SelectField("联络员", coerce=int, validators=[Optional()])
    starts_on = DateField("开始日期", validators=[DataRequired(DATE_MESSAGE)])


class EndForm(FlaskForm):
    ends_on = DateField("结束日期", validators=[DataRequired(DATE_MESSAGE)])


class ImportForm(FlaskForm):
    file = FileField("文件（.xlsx 或 .csv）")


class TeamForm(FlaskForm):
    name = StringField("服务团名称")
    department = SelectField("牵头部门", coerce=int, validators=[DataRequired("请选择牵头部门")])
    is_lead = BooleanField("7个牵头部门之一")
    starts_on = DateField("开始日期", validators=[DataRequired(DATE_MESSAGE)])


class MemberForm(FlaskForm):
    user = SelectField("成员", coerce=int, validators=[DataRequired("请选择成员")])
    starts_on = DateField("加入日期", validators=[DataRequired(DATE_MESSAGE)])


class MeasureForm(FlaskForm):
    enterprise = SelectField("企业", coerce=int, validators=[DataRequired("请选择企业")])
    content = TextAreaField("帮扶措施")
    owner_department = SelectField("责任部门", coerce=int, validators=[DataRequired("请选择责任部门")])
    due_on = DateField("完成时限", validators=[DataRequired(DATE_MESSAGE)])


class NoteForm(FlaskForm):
    note = StringField("完成情况")


class SupervisionForm(FlaskForm):
    kind = SelectField("监督方式", choices=[(k.name, k.label) for k in SupervisionKind])
    department = SelectField("被监督的服务单位", coerce=int,
                             validators=[DataRequired("请选择被监督的服务单位")])
    visited_on = DateField("走访日期", validators=[DataRequired(DATE_MESSAGE)])
    summary = TextAreaField("走访情况")
