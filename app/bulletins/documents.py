"""A bulletin printed for the county's leaders: each suggestion, its 批示 and its answer."""
from app.bulletins.models import Bulletin
from app.bulletins.queries import latest_answer
from app.core.clock import utcnow
from app.meetings.documents import case_state_text, enterprise_text, render_pdf

HEADERS = ["序号", "受理编号", "企业", "建议内容", "领导批示", "答复", "当前状态"]


def bulletin_rows(bulletin: Bulletin, now=None) -> list[list[str]]:
    now = now or utcnow()
    rows = []
    for item in bulletin.items:
        answer = latest_answer(item.case)
        instruction = (f"{item.instruction_leader}（{item.instruction_on.isoformat()}）：{item.instruction}"
                       if item.instruction else "")
        rows.append([str(item.position), item.case.tracking_no, enterprise_text(item.case),
                     item.case.content, instruction, answer.content if answer else "",
                     case_state_text(item.case, now)])
    return rows


def bulletin_pdf(bulletin: Bulletin, county: str = "", now=None) -> bytes:
    note = f"编发日期：{bulletin.issued_on.isoformat()}；共{len(bulletin.items)}条建议"
    return render_pdf(f"{county}{bulletin.title}", [
        (None, note, HEADERS, bulletin_rows(bulletin, now), [10, 28, 32, 70, 55, 55, 23])],
        county or "码上办")
