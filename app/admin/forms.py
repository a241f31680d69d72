from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField,
                     PasswordField, SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from app.auth.models import Role
from app.departments.models import DepartmentKind
from app.settings.models import LimitUnit

# Messages come from the operations (Chinese, per field); the forms only carry values + CSRF.


class EnterpriseForm(FlaskForm):
    name = StringField("企业名称")
    credit_code = StringField("统一社会信用代码")
    industry = StringField("所属行业")
    township = SelectField("所属乡镇", coerce=int)
    address = StringField("地址")
    contact_name = StringField("联系人")
    contact_phone = StringField("联系电话")
    is_monitoring_point = BooleanField("监测点")
    is_key_enterprise = BooleanField("重点企业")
    responsible_department = SelectField("责任部门", coerce=int)
    package_leader = SelectField("包联领导", coerce=int)


class ImportForm(FlaskForm):
    file = FileField("文件（.xlsx 或 .csv）")


class DepartmentForm(FlaskForm):
    code = StringField("部门代码")
    name = StringField("部门名称")
    kind = SelectField("类型", choices=[(k.name, k.label) for k in DepartmentKind])
    phone = StringField("电话")
    sort_order = StringField("排序（同类型内从小到大）")
    is_active = BooleanField("启用", default=True)


class UserForm(FlaskForm):
    # The operation checks these too (CLI, API); here the message sits next to the field.
    username = StringField("用户名", validators=[Length(max=64, message="用户名不能超过64个字符")])
    display_name = StringField("姓名", validators=[Length(max=64, message="姓名不能超过64个字符")])
    # No default: a new user's role is chosen, never 系统管理员 by being first in the list.
    role = SelectField("角色", choices=[("", "请选择角色")] + [(r.name, r.label) for r in Role],
                       validators=[InputRequired(message="请选择角色")])
    department = SelectField("部门", coerce=int)
    email = StringField("邮箱", validators=[Optional()])
    phone = StringField("手机", validators=[Optional()])
    is_active = BooleanField("启用", default=True)
    password = PasswordField("初始密码（新建或重置时填写）")


class CategoryForm(FlaskForm):
    department = SelectField("默认部门", coerce=int)


class TimeLimitForm(FlaskForm):
    amount = StringField("数量")
    unit = SelectField("单位", choices=[(u.name, u.value) for u in LimitUnit])


class HolidayForm(FlaskForm):
    day = DateField("日期", validators=[Optional()])
    is_workday = SelectField("类型", choices=[("0", "放假（非工作日）"), ("1", "上班（工作日）")])
    note = StringField("说明", validators=[Optional()])


class NoticeForm(FlaskForm):
    """The pasted holiday notice; `checked` is the fingerprint of the text the admin saw as a
    calendar, so "确认保存" saves only what was shown."""
    text = TextAreaField("通知全文")
    checked = HiddenField()


class BrandingForm(FlaskForm):
    county_name = StringField("县（市、区）名称")
    brand = StringField("品牌名称")
    slogan = StringField("宣传语")
    hotline = StringField("服务热线")
    base_url = StringField("对外访问地址（二维码与通知链接指向）")


class ActionForm(FlaskForm):
    """A button (delete an override): CSRF only."""


class RequeueForm(FlaskForm):
    """Send failed deliveries again: one (delivery), a channel's, those given up since a time,
    or all when none is given."""
    delivery = IntegerField(validators=[Optional()])
    channel = SelectField("通道", choices=[("", "全部通道"), ("email", "邮件"),
                                           ("webhook", "群机器人"), ("sms", "短信")], default="")
    since = DateTimeLocalField("失败时间不早于", format="%Y-%m-%dT%H:%M", validators=[Optional()])
