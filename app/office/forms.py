from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (BooleanField, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from app.cases.models import Complexity, Rating, Urgency
from app.cases.operations import (CONTACT_NAME_MAX, DECISION_NOTE_MAX, ENTERPRISE_NAME_MAX,
                                  INVALID_REASON_MAX, STAFF_SOURCES)
from app.media.operations import new_upload_key


def max_length(label, maximum):
    """The operation's length rule, shown next to the field before the operation is called."""
    return Length(max=maximum, message=f"{label}不能超过{maximum}字")


class DispatchForm(FlaskForm):
    department = SelectField("主办部门", coerce=int, validators=[DataRequired("请选择主办部门")])
    co_departments = SelectMultipleField("协办部门", coerce=int, validators=[Optional()])
    complexity = SelectField("办理类别", choices=[("", "按紧急程度默认")] + [
        (c.name, c.label) for c in Complexity], validators=[Optional()])
    note = StringField("派发说明", validators=[Optional()])

    def set_departments(self, departments):
        """`departments` in the county's order; co-departments grouped by kind (the picker)."""
        choices = [(d.id, d.name) for d in departments]
        self.department.choices = [(0, "请选择")] + choices
        groups = {}
        for d in departments:
            groups.setdefault(d.kind.label, []).append((d.id, d.name))
        self.co_departments.choices = groups


class AnswerNowForm(FlaskForm):
    content = TextAreaField("答复内容")


class InvalidForm(FlaskForm):
    reason = StringField("无效原因", validators=[max_length("无效原因", INVALID_REASON_MAX)])


class NoteForm(FlaskForm):
    """Urge / supervise / approve: an optional note."""
    note = StringField("说明", validators=[Optional(), max_length("说明", DECISION_NOTE_MAX)])


class RefuseForm(FlaskForm):
    reason = StringField("不予延期的理由",
                         validators=[max_length("不予延期的理由", DECISION_NOTE_MAX)])


class FollowUpForm(FlaskForm):
    """The enterprise's rating given by phone to the office's 12345 staff (channel 12345电话)."""
    rating = SelectField("企业评价", choices=[("", "请选择")] + [(r.name, r.label) for r in Rating])
    comment = StringField("企业意见", validators=[Optional()])


class StaffCaseForm(FlaskForm):
    """A case from the hotline, a visit, a meeting…: the H5 form's fields plus the source."""
    source = SelectField("来源", choices=[(s.name, s.label) for s in STAFF_SOURCES])
    category = SelectField("问题类别", coerce=int, validators=[DataRequired("请选择问题类别")])
    enterprise = StringField("企业", validators=[Optional(),
                                                 max_length("企业名称", ENTERPRISE_NAME_MAX)])
    content = TextAreaField("反映内容")
    contact_name = StringField("联系人", validators=[Optional(),
                                                  max_length("联系人姓名", CONTACT_NAME_MAX)])
    contact_phone = StringField("手机号码", validators=[Optional()])
    is_anonymous = BooleanField("匿名反映")
    urgency = SelectField("紧急程度", choices=[(u.name, u.value) for u in Urgency])
    attachments = MultipleFileField("照片/视频")
    # the key of the files uploads.js sent ahead (app.media.operations.stage_upload)
    upload_key = HiddenField(default=new_upload_key)


class SmsReceiptForm(FlaskForm):
    """短信发送受理编号和查询码: a button, CSRF only."""
