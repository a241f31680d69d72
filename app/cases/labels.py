"""Chinese names of audit actions, for timelines. Every action the code records has one here
(tests/cases/test_action_labels.py collects them from the code); an unknown one never shows
its raw code to a user."""
import logging

log = logging.getLogger(__name__)

ACTION_LABELS = {
    "submit": "提交反映", "answer_now": "当即答复", "dispatch": "派发", "sign": "签收",
    "return": "退回", "request_extension": "申请延期", "approve_extension": "批准延期",
    "refuse_extension": "不予延期", "withdraw_extension": "延期申请自动撤回",
    "reply": "答复", "co_opinion": "协办意见", "rate": "评价",
    "close_unrated": "超期未评价自动办结", "urge": "催办", "supervise": "挂牌督办",
    "mark_invalid": "标记无效", "reassign": "改派", "reveal_contact": "查看联系电话",
    # Events outside a case (the admin's audit trail)
    "revoke_card": "作废企业码并换发新码", "revoke_api_tokens": "吊销接口令牌",
    "export_ledger": "导出台账", "export_ledger_full": "导出完整台账（未脱敏）",
    "set_closure_basis": "设置办结率口径", "snapshot_figures": "月末指标定格",
    "sms_receipt": "短信发送受理编号和查询码",
    "leader_instruction": "领导批示",
    # The field mechanisms (app/field)
    "assign_enterprise": "设置包联关系", "end_assignment": "结束包联关系",
    "create_team": "新建服务团", "end_team": "撤销服务团", "add_team_member": "服务团加入成员",
    "end_team_member": "服务团成员离开", "record_visit": "登记走访", "from_visit": "走访发现问题",
    "add_help_measure": "制定帮扶措施", "complete_help_measure": "帮扶措施销号",
    "record_supervision_visit": "登记监督走访", "from_supervision": "纪委监督发现问题",
    "close_clue": "办结问题线索",
    # The 差评 loop (app/rating)
    "follow_up_rate": "追评", "rework_feedback": "整改反馈", "callback": "差评回访",
    "callback_overdue": "差评回访逾期", "appeal_rating": "差评申诉", "decide_appeal": "申诉复核",
    # Evaluation rounds (app/rounds)
    "open_round": "发起网络专项评议", "close_round": "结束网络专项评议",
    "from_round": "网络专项评议征集的意见建议",
    "open_assessment_campaign": "发起集中测评", "record_assessment": "登记现场测评",
    "from_assessment": "现场测评发现问题",
    # 季测评 (app/quarterly)
    "set_quarterly_weights": "设置季度测评权重",
}
UNKNOWN_ACTION = "其他操作"


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is None:
        log.warning("audit action %r has no Chinese label (app/cases/labels.py)", action)
        return UNKNOWN_ACTION
    return label
