from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from app.cases.models import Rating
from app.field.forms import DATE_MESSAGE
from app.media.operations import new_upload_key

RATING_CHOICES = [("", "请选择")] + [(r.name, r.label) for r in Rating]


class AssessmentForm(FlaskForm):
    department = SelectField("测评部门", coerce=int, validators=[DataRequired("请选择测评的部门")])
    assessed_on = DateField("测评日期", validators=[DataRequired(DATE_MESSAGE)])
    matter = TextAreaField("体验式办事")
    efficiency = SelectField("服务效率", choices=RATING_CHOICES)
    procedure = SelectField("服务流程", choices=RATING_CHOICES)  # (`process` is the form's own)
    attitude = SelectField("服务态度", choices=RATING_CHOICES)
    notes = TextAreaField("意见和建议")
    attachments = MultipleFileField("照片")
    upload_key = HiddenField(default=new_upload_key)


class CampaignForm(FlaskForm):
    title = StringField("测评名称")
    starts_on = DateField("开始日期", validators=[DataRequired(DATE_MESSAGE)])
    ends_on = DateField("结束日期", validators=[DataRequired(DATE_MESSAGE)])
