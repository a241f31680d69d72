"""Reading the State Council's yearly holiday notice (《国务院办公厅关于XXXX年部分节假日安排的通知》).

A pure function: the pasted text in, the year's days off and make-up working days (调休) out,
or a `NoticeError` listing in Chinese every part it could not read. Nothing here touches the
database; `app.workdays.operations.save_notice` stores what the admin confirmed.

The notice's items look like
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。
Every date before "放假" in a sentence is a day (or the ends of a range) off; every date after
it in a sentence saying "上班" is a make-up working day. The weekday in brackets and "共N天"
are checked against the dates, so a typo in the pasted text is reported, not saved.
"""
import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
import re
import unicodedata

MAX_TEXT = 20_000  # characters; the real notices are about 600
MAX_RANGE = 15  # days; no holiday is longer

TITLE_RE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
# An item starts a sentence: "一、元旦:" or "六、国庆节、中秋节:" after "。" (or the title).
ITEM_RE = re.compile(r"(?<![^。:知])([一二三四五六七八九十]{1,3})、([^:,。;]{1,12}):")
DATE_RE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?")
WEEKDAY_RE = re.compile(r"(?:周|星期)([一二三四五六日天])")
TOTAL_RE = re.compile(r"共(\d{1,2})天")
WEEKDAYS = "一二三四五六日"


class NoticeError(ValueError):
    """The text could not be read; `errors` says where, in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass
class Festival:
    name: str
    days_off: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)


@dataclass
class NoticeSchedule:
    year: int
    title: str
    festivals: list[Festival]

    def days(self) -> dict[date, tuple[bool, str]]:
        """Every day the notice names: is it a working day, and the note to store with it."""
        out = {}
        for festival in self.festivals:
            for day in festival.days_off:
                out[day] = (False, f"{festival.name}放假")
            for day in festival.workdays:
                out[day] = (True, f"{festival.name}调休上班")
        return out


def _clean(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), and no whitespace: a text copied
    from a web page or a PDF breaks lines anywhere, even inside a date."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _dates(fragment: str, year: int, where: str, errors: list[str]) -> list[date]:
    """The dates written in `fragment`, a missing month or year taken from the date before."""
    found = []
    month = None
    for match in DATE_RE.finditer(fragment):
        y, m, d, note = match.groups()
        y = int(y) if y else year
        if m:
            month = int(m)
        if month is None:
            errors.append(f"{where}：“{match.group(0)}”缺少月份")
            continue
        try:
            day = date(y, month, int(d))
        except ValueError:
            errors.append(f"{where}：{y}年{month}月{d}日不是有效日期")
            continue
        weekday = WEEKDAY_RE.search(note or "")
        if weekday:
            written = WEEKDAYS.index(weekday.group(1).replace("天", "日"))
            if written != day.weekday():
                errors.append(f"{where}：{day.month}月{day.day}日标注为周{WEEKDAYS[written]}，"
                              f"但{day.year}年{day.month}月{day.day}日是周{WEEKDAYS[day.weekday()]}")
        year = y
        found.append(day)
    return found


def _festival(name: str, body: str, year: int, where: str, errors: list[str]) -> Festival:
    festival = Festival(name)
    for sentence in re.split(r"[。;]", body):
        cut = sentence.find("放假")
        if cut >= 0:
            ends = _dates(sentence[:cut], year, where, errors)
            rest = sentence[cut:]
            if len(ends) > 2:
                errors.append(f"{where}：一句中写了{len(ends)}个放假日期，无法判断起止")
            elif ends:
                first, last = ends[0], ends[-1]
                if last < first or (last - first).days >= MAX_RANGE:
                    errors.append(f"{where}：放假起止日期{first.month}月{first.day}日至"
                                  f"{last.month}月{last.day}日不合理")
                else:
                    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                    festival.days_off.extend(span)
                    total = TOTAL_RE.search(rest) or re.search(r"放假(\d{1,2})天", rest)
                    if total and int(total.group(1)) != len(span):
                        errors.append(f"{where}：通知写“共{total.group(1)}天”，"
                                      f"但{first.month}月{first.day}日至{last.month}月{last.day}日"
                                      f"是{len(span)}天")
        else:
            rest = sentence
        if "上班" in rest:
            festival.workdays.extend(_dates(rest, year, where, errors))
    if not festival.days_off:
        errors.append(f"{where}：没有读出放假日期（应写作“X月X日至X日放假”）")
    return festival


def parse_notice(text: str | None) -> NoticeSchedule:
    """Read the notice's text; raise `NoticeError` with every problem found."""
    text = _clean(text or "")
    if not text:
        raise NoticeError(["请粘贴通知全文"])
    if len(text) > MAX_TEXT:
        raise NoticeError([f"粘贴的文字过长（{len(text)}字），请只粘贴这一份通知的全文"])
    title = TITLE_RE.search(text)
    if title is None:
        raise NoticeError(["没有找到通知标题“国务院办公厅关于XXXX年部分节假日安排的通知”，"
                           "无法确定年份：请从标题开始粘贴全文"])
    year = int(title.group(1))
    items = list(ITEM_RE.finditer(text, title.end()))
    if not items:
        raise NoticeError(["没有读出任何节日安排：通知正文应有“一、元旦：……”这样的分项"])
    errors: list[str] = []
    festivals = []
    for i, item in enumerate(items):
        body = text[item.end(): items[i + 1].start() if i + 1 < len(items) else len(text)]
        where = f"第{item.group(1)}项“{item.group(2)}”"
        festivals.append(_festival(item.group(2), body, year, where, errors))
    seen: dict[date, tuple[bool, str]] = {}
    for festival in festivals:
        for day, is_workday in [(d, False) for d in festival.days_off] + [(d, True) for d in festival.workdays]:
            if day in seen and seen[day][0] != is_workday:
                errors.append(f"{day.month}月{day.day}日既是“{seen[day][1]}”的放假日又是上班日")
            seen[day] = (is_workday, festival.name)
            if abs(day.year - year) > 1:
                errors.append(f"“{festival.name}”的{day:%Y年%m月%d日}不在{year}年前后")
    if errors:
        raise NoticeError(list(dict.fromkeys(errors)))
    return NoticeSchedule(year, title.group(0), festivals)


# --- the confirmation calendar ----------------------------------------------------------------

@dataclass
class CalendarDay:
    day: date
    kind: str  # "off" (notice: 放假), "work" (notice: 上班), "weekend", "" (an ordinary weekday)
    note: str = ""


def year_calendar(year: int, marked: dict[date, tuple[bool, str]]) -> list[tuple[int, list[list[CalendarDay | None]]]]:
    """Twelve months of weeks (Monday first, None outside the month), each day marked."""
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar().monthdatescalendar(year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                elif day in marked:
                    is_workday, note = marked[day]
                    row.append(CalendarDay(day, "work" if is_workday else "off", note))
                else:
                    row.append(CalendarDay(day, "weekend" if day.weekday() >= 5 else ""))
            weeks.append(row)
        months.append((month, weeks))
    return months
