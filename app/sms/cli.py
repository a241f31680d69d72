"""`flask sms check`: read the SMS configuration as the app start does and say what it sends."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.sms.settings import KINDS, PROVIDERS, VALUES, SmsConfigError, read_settings

sms_cli = AppGroup("sms", help="短信通道（docs/sms.md）")


@sms_cli.command("check")
def check_command():
    """Check SMS_PROVIDER, SMS_SIGN_NAME and SMS_TEMPLATES; exit 1 with the reason if wrong."""
    config = current_app.config
    try:
        settings = read_settings(config)
    except SmsConfigError as exc:
        raise click.ClickException(f"短信配置有误：{exc}") from None
    if settings is None:
        click.echo("未配置短信（SMS_PROVIDER 为空）：不发送短信")
        return
    click.echo(f"服务商：{PROVIDERS[settings.provider]}；签名：【{settings.sign_name}】；"
               f"免打扰 {settings.quiet_start}–{settings.quiet_end}（受理回执除外）；"
               f"每号码每日至多 {settings.daily_cap} 条")
    for kind, label in KINDS.items():
        template = settings.templates.get(kind)
        if template is None:
            click.echo(f"  {kind}（{label}）：未配置，不发送")
            continue
        params = "，".join(f"{p.name}={p.value}（{VALUES[p.value].longest(config)}/{p.max}字）"
                          for p in template.params)
        click.echo(f"  {kind}（{label}）：模板 {template.id}，最长 {template.longest(settings.sign_name, config)} 字；{params}")
    click.echo("检查通过")
