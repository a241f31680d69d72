"""The staff forms of the 差评 loop: the office's 回访 and 复核, the department's 申诉.

Choices are not validated here (wtforms would answer in English): the views read them and the
operations refuse what is missing or wrong with a Chinese message."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField

from app.rating.models import AppealKind


class CallbackForm(FlaskForm):
    reached = RadioField("是否接通", choices=[("yes", "已接通"), ("no", "未接通")], default="yes",
                         validate_choice=False)
    note = TextAreaField("回访情况")


class AppealForm(FlaskForm):
    kind = SelectField("申诉类型", choices=[("", "请选择")] + [(k.name, k.label) for k in AppealKind],
                       validate_choice=False)  # the operation refuses a bad kind in Chinese
    evidence = TextAreaField("申诉理由和证据")


class AppealDecisionForm(FlaskForm):
    decision = RadioField("复核结论", choices=[("uphold", "申诉成立（该评价不计入满意率）"),
                                           ("reject", "申诉不成立")], default="reject",
                          validate_choice=False)
    reason = TextAreaField("复核理由")
