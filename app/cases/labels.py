"""Chinese names of audit actions, for timelines."""

ACTION_LABELS = {
    "submit": "提交反映", "answer_now": "当即答复", "dispatch": "派发", "sign": "签收",
    "return": "退回", "request_extension": "申请延期", "approve_extension": "批准延期",
    "refuse_extension": "不予延期", "reply": "答复", "co_opinion": "协办意见", "rate": "评价",
    "close_unrated": "超期未评价自动办结", "urge": "催办", "supervise": "挂牌督办",
    "mark_invalid": "标记无效", "reassign": "改派", "reveal_contact": "查看联系电话",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
