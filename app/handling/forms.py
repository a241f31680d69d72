from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from app.media.operations import new_upload_key


class ActionForm(FlaskForm):
    """A button with nothing to type (sign, show the phone number, mark read): CSRF only."""


class ReturnForm(FlaskForm):
    reason = TextAreaField("退回理由")


class ExtensionForm(FlaskForm):
    # Text, not IntegerField: the operation checks the range and says so in Chinese.
    days = StringField("延期天数")
    reason = TextAreaField("延期理由")


class ReplyForm(FlaskForm):
    content = TextAreaField("答复内容")
    photos = MultipleFileField("照片")
    # the key of the files uploads.js sent ahead (app.media.operations.stage_upload)
    upload_key = HiddenField(default=new_upload_key)


class CoOpinionForm(FlaskForm):
    content = TextAreaField("协办意见")


class ReassignForm(FlaskForm):
    assignee = SelectField("改派给", coerce=int, validators=[DataRequired("请选择承办人")])
