"""The demo county as plain data: departments, people, enterprises and what they write.

Names and firms are fictional; the county's industries follow SCENARIOS.md. Everything here is
deterministic (a fixed seed), so two loads describe the same county.
"""
import random

from app.auth.models import Role
from app.enterprises.credit_code import ALPHABET, check_character

# One password for every demo login, so the demo works at once. Real users are created with an
# initial password and must change it at first login; demo users are not.
DEMO_PASSWORD = "demo-2026!"
SEED = 20260101
COUNTY = "示范县"
# Fictional administrative division code used in the demo credit codes.
DIVISION_CODE = "371599"

# --- departments: (code, name, phone) ---------------------------------------------------------

# The 7 departments that lead the county's business-environment work.
LEAD_DEPARTMENTS = [
    ("NDRC", "县发展和改革局", "0530-7210101"),          # hosts the 营商办
    ("APPROVAL", "县行政审批服务局", "0530-7210102"),
    ("SAMR", "县市场监督管理局", "0530-7210103"),
    ("NRP", "县自然资源和规划局", "0530-7210104"),
    ("HOUSING", "县住房和城乡建设局", "0530-7210105"),
    ("FINANCE", "县财政局", "0530-7210106"),
    ("COURT", "县人民法院", "0530-7210107"),
]

FUNCTIONAL_DEPARTMENTS = [
    ("TAX", "国家税务总局示范县税务局", "0530-7210201"),
    ("POWER", "国网示范县供电公司", "0530-95598"),
    ("HRSS", "县人力资源和社会保障局", "0530-7210203"),
    ("TRANSPORT", "县交通运输局", "0530-7210204"),
    ("EMERGENCY", "县应急管理局", "0530-7210205"),
    ("JUSTICE", "县司法局", "0530-7210206"),
    ("POLICE", "县公安局", "0530-7210207"),
    ("ECO", "市生态环境局示范县分局", "0530-7210208"),
    ("BANKING", "县金融服务中心", "0530-7210209"),
    ("TRADING", "县公共资源交易中心", "0530-7210210"),
    ("GOVSERVICE", "县政务服务中心", "0530-7210211"),
    ("HOTLINE", "县12345政务服务便民热线中心", "0530-12345"),
    ("MIIT", "县工业和信息化局", "0530-7210213"),
    ("COMMERCE", "县商务局", "0530-7210214"),
    ("WATER", "县水利局", "0530-7210215"),
    ("URBAN", "县综合行政执法局", "0530-7210216"),
    ("MEDICARE", "县医疗保障局", "0530-7210217"),
    ("HEALTH", "县卫生健康局", "0530-7210218"),
    ("AGRI", "县农业农村局", "0530-7210219"),
]

TOWNSHIPS = [
    ("T_CHENGGUAN", "城关街道", "0530-7220001"),
    ("T_DONGCHENG", "东城街道", "0530-7220002"),
    ("T_XICHENG", "西城街道", "0530-7220003"),
    ("T_LIULIN", "柳林镇", "0530-7220004"),
    ("T_XINGHUA", "杏花镇", "0530-7220005"),
    ("T_TAOYUAN", "桃园镇", "0530-7220006"),
    ("T_QINGHE", "清河镇", "0530-7220007"),
    ("T_BAIMA", "白马镇", "0530-7220008"),
    ("T_SHIQIAO", "石桥镇", "0530-7220009"),
    ("T_GAOZHUANG", "高庄镇", "0530-7220010"),
]

# The county's choice of who handles each category by default (category code → department).
CATEGORY_DEFAULTS = {
    "start_business": "APPROVAL",
    "construction_permit": "HOUSING",
    "property_registration": "NRP",
    "government_service": "GOVSERVICE",
    "hotline": "HOTLINE",
    "credit": "NDRC",
    "electricity": "POWER",
    "tax": "TAX",
    "credit_loans": "BANKING",
    "contracts": "COURT",
    "procurement": "FINANCE",
    "insolvency": "COURT",
    "other": "NDRC",
}

# --- users: (username, display name, role, department code) -----------------------------------

# County leaders who each look after a few key enterprises (包联县领导).
PACKAGE_LEADERS = [
    ("leader", "刘建国"),
    ("leader_zhao", "赵立新"),
    ("leader_sun", "孙海燕"),
    ("leader_zhou", "周明远"),
    ("leader_wu", "吴卫东"),
]

OFFICE_USERS = [
    ("admin", "营商办管理员", Role.admin, None),
    ("dispatcher", "王敏", Role.dispatcher, None),
    ("supervisor", "陈志刚", Role.supervisor, None),
]

HEADS = [
    ("head_power", "马国栋", "POWER"),
    ("head_samr", "杨丽华", "SAMR"),
    ("head_tax", "郭振宇", "TAX"),
    ("head_housing", "何建军", "HOUSING"),
]

# One handler in every department that receives demo cases (all bureaus and two townships),
# so every handler page has content. Named ones first; the rest get names from the pool below.
NAMED_HANDLERS = {
    "POWER": "李晓燕",
    "SAMR": "张伟",
    "TAX": "赵静",
    "NRP": "孙鹏",
    "TRANSPORT": "周强",
    "HOUSING": "吴刚",
    "EMERGENCY": "郑海峰",
    "HRSS": "冯雪",
}
HANDLER_NAME_POOL = [
    "韩冬", "曹颖", "许磊", "邓丽", "彭涛", "萧娜", "田野", "董洁", "袁斌", "潘婷",
    "蒋勇", "蔡敏", "贾亮", "丁慧", "魏东", "薛芳", "叶帆", "阎峰", "余佳", "杜明",
]
HANDLER_TOWNSHIPS = ["T_CHENGGUAN", "T_LIULIN"]

# The logins the banner shows (every role, the handler pages with the most cases).
BANNER_LOGINS = ["admin", "dispatcher", "handler_power", "handler_samr", "handler_tax",
                 "head_power", "leader", "supervisor",
                 "jiwei",  # 纪委监委 (app/demo/field.py)
                 "jd_wang"]  # a 社会监督员 (app/demo/assessments.py)

# --- enterprises ------------------------------------------------------------------------------

# industry → (responsible department, name suffix)
INDUSTRIES = {
    "医药化工": ("MIIT", "医药化工有限公司"),
    "轴承制造": ("MIIT", "轴承有限公司"),
    "农机装备": ("MIIT", "农业机械有限公司"),
    "钢结构": ("HOUSING", "钢结构工程有限公司"),
    "卫生用品": ("MIIT", "卫生用品有限公司"),
    "食品加工": ("AGRI", "食品有限公司"),
    "饮料制造": ("COMMERCE", "饮品有限公司"),
    "物流运输": ("TRANSPORT", "物流有限公司"),
    "纺织服装": ("MIIT", "纺织有限公司"),
    "新型建材": ("HOUSING", "建材有限公司"),
    "商贸流通": ("COMMERCE", "商贸有限公司"),
    "农业种植": ("AGRI", "农业科技有限公司"),
    "机械加工": ("MIIT", "机械制造有限公司"),
    "包装印刷": ("MIIT", "包装制品有限公司"),
    "电子信息": ("MIIT", "电子科技有限公司"),
}

# The named firms of the stories: key → (name, industry, township, monitoring point, leader).
# All of them are key enterprises; the monitoring points are the county's 7 监测点.
NAMED_ENTERPRISES = [
    ("pharma1", "华康医药化工有限公司", "医药化工", "T_LIULIN", True, "leader"),
    ("pharma2", "润泽药业化工有限公司", "医药化工", "T_LIULIN", True, "leader_zhao"),
    ("bearing", "精工轴承有限公司", "轴承制造", "T_DONGCHENG", True, "leader_sun"),
    ("tractor", "丰收拖拉机制造有限公司", "农机装备", "T_XICHENG", True, "leader"),
    ("hygiene", "洁雅卫生用品有限公司", "卫生用品", "T_XINGHUA", True, "leader_zhou"),
    ("food", "麦香食品有限公司", "食品加工", "T_TAOYUAN", True, "leader_wu"),
    ("drinks", "清泉饮品有限公司", "饮料制造", "T_CHENGGUAN", True, "leader_sun"),
    ("steel", "鼎力钢结构工程有限公司", "钢结构", "T_XICHENG", False, "leader_zhao"),
    ("food2", "禾丰食品有限公司", "食品加工", "T_QINGHE", False, "leader_wu"),
    ("key10", "宏达轴承有限公司", "轴承制造", "T_DONGCHENG", False, "leader_sun"),
    ("key11", "金穗农业机械有限公司", "农机装备", "T_GAOZHUANG", False, "leader"),
    ("key12", "远通物流有限公司", "物流运输", "T_CHENGGUAN", False, "leader_zhou"),
    ("key13", "锦程纺织有限公司", "纺织服装", "T_BAIMA", False, "leader_zhao"),
    ("key14", "恒基新型建材有限公司", "新型建材", "T_SHIQIAO", False, "leader_wu"),
    ("key15", "瑞禾药业化工有限公司", "医药化工", "T_LIULIN", False, "leader"),
    ("key16", "绿源饮品有限公司", "饮料制造", "T_TAOYUAN", False, "leader_sun"),
    ("key17", "安泰卫生用品有限公司", "卫生用品", "T_XINGHUA", False, "leader_zhou"),
    ("key18", "中原钢结构工程有限公司", "钢结构", "T_GAOZHUANG", False, "leader_zhao"),
    ("key19", "众成机械制造有限公司", "机械加工", "T_DONGCHENG", False, "leader_wu"),
    ("key20", "天润食品有限公司", "食品加工", "T_QINGHE", False, "leader"),
]

# Stems for the other 70 card holders (distinct from the named firms).
ENTERPRISE_STEMS = [
    "华鑫", "鼎盛", "金源", "瑞祥", "恒信", "博远", "永泰", "鑫旺", "兴业", "德润",
    "天诚", "明阳", "顺通", "嘉禾", "福瑞", "广源", "中正", "泰和", "亿丰", "盛邦",
    "瀚海", "卓越", "汇通", "安达", "信诚", "宝丰", "凯华", "新锐", "长青", "万通",
    "聚力", "远航", "同创", "正元", "东昇", "立信", "嘉诚", "协和", "荣达", "祥瑞",
    "腾飞", "光明", "方圆", "鸿运", "昌盛", "晨光", "康达", "乐佳", "美嘉", "百川",
    "华阳", "金禾", "润丰", "益民", "丰源", "智远", "启航", "北辰", "圣达", "晟泰",
    "恒通", "惠民", "三和", "四海", "利源", "佳美", "金桥", "宏图", "海川", "云帆",
]
GENERATED_INDUSTRY_WEIGHTS = {
    "医药化工": 4, "轴承制造": 8, "农机装备": 5, "钢结构": 5, "卫生用品": 4, "食品加工": 8,
    "饮料制造": 3, "物流运输": 6, "纺织服装": 6, "新型建材": 4, "商贸流通": 6, "农业种植": 5,
    "机械加工": 6, "包装印刷": 3, "电子信息": 2,
}

ROADS = ["振兴路", "工业大道", "建设街", "迎宾路", "富民路", "开发区纬二路", "兴华路", "滨河路",
         "创业路", "经三路", "纬六路", "站前街"]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程"
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
               "超", "秀英", "志强", "建华", "海燕", "国庆", "红梅", "玉兰", "春生", "永刚",
               "立军", "小平", "建新", "丽娟", "宏伟", "德福"]
MOBILE_PREFIXES = ["138", "139", "137", "135", "158", "159", "186", "187", "151", "152", "183"]

# Card that stands for "scan this" in the banner: a monitoring point's current card.
BANNER_ENTERPRISE = "drinks"
# The food company whose card was lost, revoked and replaced (story 9).
LOST_CARD_ENTERPRISE = "food2"
LOST_CARD_REASON = "企业报告卡片遗失"
HALL_CARDS = ["政务服务大厅", "12345热线宣传海报"]


def credit_code(rng: random.Random) -> str:
    """A valid, fictional unified social credit code: 91 + division + MA-style org code."""
    org = "MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
    first17 = "91" + DIVISION_CODE + org
    return first17 + check_character(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def _build_enterprises() -> list[dict]:
    rng = random.Random(SEED)
    township_codes = [code for code, _name, _phone in TOWNSHIPS]
    rows, codes = [], set()

    def row(key, name, industry, township, *, monitoring=False, key_enterprise=False,
            leader=None):
        code = credit_code(rng)
        while code in codes:
            code = credit_code(rng)
        codes.add(code)
        township_name = dict((c, n) for c, n, _p in TOWNSHIPS)[township]
        return {
            "key": key, "name": name, "credit_code": code, "industry": industry,
            "township": township, "responsible_department": INDUSTRIES[industry][0],
            "address": f"{COUNTY}{township_name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
            "contact_name": person_name(rng), "contact_phone": mobile(rng),
            "is_monitoring_point": monitoring, "is_key_enterprise": key_enterprise,
            "package_leader": leader,
        }

    for key, name, industry, township, monitoring, leader in NAMED_ENTERPRISES:
        rows.append(row(key, name, industry, township, monitoring=monitoring,
                        key_enterprise=True, leader=leader))
    industries = list(GENERATED_INDUSTRY_WEIGHTS)
    weights = list(GENERATED_INDUSTRY_WEIGHTS.values())
    for n, stem in enumerate(ENTERPRISE_STEMS, start=1):
        industry = rng.choices(industries, weights)[0]
        rows.append(row(f"e{n:02d}", stem + INDUSTRIES[industry][1], industry,
                        rng.choice(township_codes)))
    return rows


ENTERPRISES = _build_enterprises()

# --- what people write ---------------------------------------------------------------------------
# category → [(content, reply, department code or None for the category's default)]

PROBLEMS = {
    "start_business": [
        ("新设立的分公司想办理营业执照，听说可以全程网办，具体在哪个平台申请？需要准备哪些材料？",
         "您好，分公司设立登记可通过省政务服务网“企业开办一网通办”平台全程网办，需准备总公司营业执照、"
         "负责人身份证明和经营场所使用证明。我局已安排专人电话指导，1个工作日内可领取电子营业执照。", None),
        ("公司经营范围需要增加“道路货物运输”，变更登记在窗口排了两次队都说材料不齐，能否一次性告知？",
         "经核实，窗口已出具一次性告知单：需补充股东会决议及章程修正案。我局已对相关窗口人员提出要求，"
         "今后实行“一次性告知、容缺受理”，您可预约下周一上午办理。", None),
        ("刻制公章、申领发票、社保登记能不能在开办企业时一起办？不想来回跑几个部门。",
         "我县已实行企业开办“一窗通办”，营业执照、公章刻制、发票申领、社保登记可在政务服务中心综合窗口"
         "一次提交，0.5个工作日办结，首套公章免费刻制。", None),
        ("企业从外县迁入本县，工商和税务迁移手续不清楚，希望有人指导。",
         "已安排企业开办帮办专员与您对接，登记迁移可线上申请，税务迁移同步办理，专员全程帮办代办。", None),
        ("个体户想转为公司，原来的字号还能保留吗？需要先注销个体户吗？",
         "可以保留原字号。按照“个转企”政策可直接办理变更登记，无需先注销，原有许可依法延续。", None),
    ],
    "construction_permit": [
        ("新建厂房施工许可证申请已提交15天，系统一直显示审核中，影响开工。",
         "经查，该项目因消防设计审查意见未上传导致流程停滞。我局已与审图机构对接并于当日补传，"
         "施工许可证已于次日核发，可在政务服务网下载电子证照。", None),
        ("工业项目能否实行“拿地即开工”？我们的设备已经到货，想尽快动工。",
         "符合条件的一般工业项目可实行“拿地即开工”。我局已会同自然资源和规划局、行政审批服务局开启并联审批，"
         "并安排项目专员上门指导材料准备。", None),
        ("厂房扩建需要办理规划许可，听说要重新做施工图审查，费用和时间都比较多。",
         "根据我县小型工程简易审批办法，2000平方米以下的扩建项目施工图审查由政府购买服务，企业无需付费，"
         "审查时限压缩至5个工作日。", None),
        ("仓库改造需要办理消防验收，不清楚是否属于特殊建设工程。",
         "经审核，贵公司仓库改造属于其他建设工程，实行消防验收备案抽查，已将备案指南发送至您的手机。", None),
    ],
    "property_registration": [
        ("公司购买的厂房办理不动产转移登记需要多长时间？能否预约上门办理？",
         "企业间不动产转移登记已压缩至1个工作日办结，可通过“不动产登记网上办”提交；对重点企业提供预约上门服务，"
         "已为您登记预约。", None),
        ("抵押注销后一直拿不到证明，银行那边急着办理新的贷款。",
         "经核查，抵押注销登记已办结，电子证照已推送至银行端，纸质证明可于明日到不动产登记中心3号窗口领取。", None),
        ("厂区的土地证和房产证信息不一致，历史遗留问题导致一直办不了不动产权证。",
         "我局已成立历史遗留问题专班，对贵公司地块进行现场勘测，按照“尊重历史、分类处置”原则，"
         "预计20个工作日内完成首次登记。", None),
        ("新建车间竣工后办理不动产首次登记，能否和竣工验收同时办理？",
         "可以。我县已推行“验登合一”，竣工验收合格后同步办理不动产首次登记，无需重复提交材料。", None),
    ],
    "government_service": [
        ("政务服务大厅中午休息，企业员工只能请假来办事，能否提供午间服务？",
         "自下月起，政务服务大厅实行午间延时服务，12:00至14:00设综合窗口正常受理，欢迎前来办理。", None),
        ("在网上申请的事项还要求到现场提交纸质材料，网上办名不副实。",
         "经核实，该事项已完成电子证照共享改造，现已取消纸质材料提交要求，并已向相关窗口通报整改，感谢监督。", None),
        ("大厅自助终端经常无法打印营业执照副本。",
         "已联系设备厂家维修更换，目前3台自助终端运行正常，并安排专人每日巡检。", None),
        ("办理排污许可证需要去市里，能否在县里提交？",
         "排污许可已实现县级受理，可在县政务服务中心生态环境窗口提交，由市局审批后邮寄送达。", None),
        ("窗口工作人员态度生硬，咨询问题时回答不耐烦。",
         "已调取窗口服务记录，对相关工作人员进行批评教育并纳入月度考核，向您致歉，欢迎继续监督。", None),
    ],
    "hotline": [
        ("通过12345反映的问题，工单显示已办结，但实际上没有人联系我们。",
         "已核查工单流转记录，承办单位回复不实，已退回重办并约谈相关负责人，承办人员已与您电话联系。", None),
        ("12345热线经常占线，企业反映问题很难打进去。",
         "热线中心已在高峰时段增加座席6个，并开通涉企诉求专线按键“2”，优先接听。", None),
        ("通过12345反映厂区门前路灯不亮，半个月了还没修。",
         "已协调县综合行政执法局路灯所于昨日完成线路维修，路灯恢复正常。", None),
    ],
    "credit": [
        ("公司因一次环保处罚被列入信用记录，整改已经完成，如何办理信用修复？",
         "已履行处罚决定且满最短公示期的，可通过“信用中国”网站申请修复。我局已安排专人指导，"
         "提交材料后3个工作日内完成审核。", None),
        ("参加招投标时被查到有失信记录，但我们从未欠款，怀疑是信息错误。",
         "经核查，系数据归集时统一社会信用代码录入错误，已于当日更正并推送省平台，信用报告已恢复正常。", None),
        ("想了解“信易贷”平台怎么申请，企业信用等级能否用于贷款。",
         "“信易贷”平台已接入县内8家银行，信用等级A级以上企业可申请纯信用贷款，已将贵公司推荐至平台白名单。", None),
    ],
    "electricity": [
        ("厂区近一个月频繁停电，每次停电都造成生产线停机，损失较大。",
         "经排查，系10千伏线路老化所致，已于本周更换线路及开关设备，并安排专人定期巡视。", None),
        ("申请增容用电，报装需要哪些材料、多长时间能完成？",
         "高压用户实行“省力、省时、省钱”报装，您可通过“网上国网”APP提交，客户经理将于1个工作日内上门勘察，"
         "全流程不超过15个工作日。", None),
        ("电费账单中有一笔力调电费，不清楚是怎么产生的。",
         "力调电费是按功率因数考核的电费调整，贵公司功率因数低于0.9。我公司已派技术人员上门，"
         "建议加装无功补偿装置，可降低电费支出。", None),
        ("计划停电通知太晚，前一天才知道，来不及调整生产计划。",
         "今后计划停电将至少提前7天通过短信和客户经理电话通知，已将贵公司纳入重点客户停电提前告知名单。", None),
    ],
    "tax": [
        ("增值税留抵退税申请已经提交，什么时候能到账？",
         "贵公司留抵退税已审核通过，退税款已于今日办理，预计3个工作日内到账。", None),
        ("研发费用加计扣除政策不太清楚，哪些费用可以归集？",
         "已安排税收专管员上门辅导，并将研发费用归集口径和申报表填写指引发送至贵公司财务邮箱。", None),
        ("开具发票时提示额度不足，影响给客户开票。",
         "已根据贵公司经营情况调整发票额度，现可正常开具；今后可通过电子税务局在线申请调整。", None),
        ("出口退税办理周期较长，资金周转压力大。",
         "一类、二类出口企业退税已压缩至3个工作日内办结，已将贵公司纳入出口退税优先审核名单。", None),
    ],
    "credit_loans": [
        ("企业想申请技改贷款，银行要求抵押物，但厂房尚未办证无法抵押。",
         "已协调县农商银行对接，可采用设备抵押加政府性融资担保方式，担保费率降至1%，客户经理本周内上门。", None),
        ("续贷时银行要求先还后贷，临时筹资成本很高。",
         "县里已设立应急转贷资金，费率为日万分之一，已为贵公司办理申请，可实现无缝续贷。", None),
        ("小微企业创业担保贷款怎么申请？额度是多少？",
         "小微企业创业担保贷款最高300万元，享受财政贴息，可到合作银行申请，已将申请指南发送给您。", None),
    ],
    "contracts": [
        ("客户拖欠货款80余万元，官司已经胜诉，但迟迟执行不到位。",
         "执行局已对被执行人银行账户和车辆采取查控措施，已执行到位30万元，剩余款项正在办理财产评估拍卖。", None),
        ("与外地公司的买卖合同纠纷，想了解诉讼和调解哪个更快。",
         "我院设有商事纠纷诉前调解中心，调解成功的可当场司法确认，平均用时15天，已安排调解员与您联系。", None),
        ("合同纠纷立案能否网上办理？诉讼费怎么缴？",
         "可通过“人民法院在线服务”小程序网上立案并缴纳诉讼费，也支持结案后线上退费。", None),
    ],
    "procurement": [
        ("政府采购项目中标后，合同款迟迟不支付。",
         "已督促采购人在验收合格后10个工作日内支付合同款，该项目款项已于本周支付完毕。", None),
        ("采购文件要求提供本地业绩证明，是否属于排斥外地企业？",
         "经审查，该条款属于以不合理条件对供应商实行差别待遇，已责令采购代理机构修改文件并重新公告。", None),
        ("投标保证金项目结束一个多月了还没有退还。",
         "经核查，系退还账户信息有误，已于今日重新办理退还，并推行保证金电子保函替代现金缴纳。", "TRADING"),
    ],
    "insolvency": [
        ("合作的供应商进入破产程序，我们的债权怎么申报？",
         "可在管理人公告的期限内通过全国企业破产重整案件信息网申报债权，已将管理人联系方式告知您。", None),
        ("企业经营困难，想了解预重整需要什么条件。",
         "我院已安排破产审判团队与贵公司沟通，符合条件的可启动预重整，在政府协调下与主要债权人协商，维持经营。", None),
    ],
    "other": [
        ("厂区门前道路破损严重，大货车通行困难。",
         "已将该路段列入本月养护计划，坑槽修补已完成，下一步将实施整体罩面。", "TRANSPORT"),
        ("企业招工难，希望组织一场专场招聘会。",
         "将于下月举办“春风行动”专场招聘会，已为贵公司免费预留展位，并推送至全县各乡镇就业服务站。", "HRSS"),
        ("安全生产检查过于频繁，一个月内来了四拨检查组。",
         "已推行“综合查一次”，由应急管理局统筹检查计划，同一企业每季度原则上不超过一次联合检查。", "EMERGENCY"),
        ("新项目环评批复办理时间较长，影响项目投产。",
         "已将该项目纳入环评审批绿色通道，实行容缺受理，预计10个工作日内出具批复。", "ECO"),
        ("企业周边治安不好，夜间有人盗窃厂区物资。",
         "已加强夜间巡逻，并在厂区周边新增监控点位2处，案件正在侦办中。", "POLICE"),
        ("申报“专精特新”中小企业需要哪些条件？",
         "已将申报条件和指南发送给您，并安排工作人员上门进行申报辅导。", "MIIT"),
        ("厂区供水压力不足，影响生产用水。",
         "经查系管网末端压力不足，已协调供水公司加装加压设备，供水压力已恢复正常。", "WATER"),
        ("厂区周边垃圾清运不及时，影响企业形象。",
         "已调整该片区清运频次为每日两次，并安排专人巡查。", "URBAN"),
        ("外地员工医保异地就医备案怎么办理？",
         "可通过“国家医保服务平台”APP线上备案，即时办结，已将操作指引发送至您的手机。", "MEDICARE"),
        ("外贸企业参加境外展会有没有补贴？",
         "符合条件的企业可申请国际市场开拓资金补助，最高补助展位费的70%，申报通知已发送给您。", "COMMERCE"),
        ("企业门前道路积水严重，雨天员工无法通行。",
         "街道已组织疏通排水管道并增设雨水篦子，积水问题已解决。", "T_CHENGGUAN"),
    ],
}

# Simple questions the dispatcher answers at intake (当即答复).
QUICK_ANSWERS = [
    ("government_service", "政务服务大厅周六上班吗？想周末去办理业务。",
     "政务服务大厅周六上午9:00至12:00提供“周末不打烊”服务，可办理企业开办、社保、医保等高频事项。"),
    ("start_business", "营业执照遗失了，补办需要带什么材料？",
     "营业执照遗失可在国家企业信用信息公示系统自行公告后，携带法定代表人身份证到综合窗口申请补领，当场办结。"),
    ("tax", "小规模纳税人增值税减免政策今年还执行吗？",
     "小规模纳税人适用3%征收率的应税销售收入减按1%征收增值税，月销售额10万元以下免征，政策继续执行。"),
    ("government_service", "公积金开户在哪个窗口办理？",
     "住房公积金单位开户可在政务服务中心二楼12号窗口办理，也可通过公积金网上服务大厅办理。"),
    ("credit_loans", "县里有没有针对小微企业的贷款贴息政策？",
     "我县对小微企业创业担保贷款给予全额贴息，可到县农商银行或邮储银行申请，详情可拨打0530-7210209咨询。"),
]

INVALID_CASES = [
    ("专业代办各类证件，低价注册公司、代理记账，有需要请联系微信dbz8888。", "广告信息"),
    ("测试一下扫码功能是否可用。", "测试信息"),
    ("高价回收废旧金属、旧设备，上门看货，现金结算。", "广告信息"),
    ("反映的问题与之前提交的厂区停电问题相同，重复提交。", "重复反映，已并入原案件办理"),
    ("邻居家装修噪音太大，晚上十点还在施工。", "与营商环境无关，已告知拨打12345转相关部门"),
]

CO_OPINIONS = [
    "已安排专人配合现场核查，涉及本部门的事项将在3个工作日内办结。",
    "本部门已完成相关审核，同意主办部门处理意见，并将持续跟进。",
    "已与企业负责人电话沟通，本部门职责范围内的事项已办理完毕。",
]

DISSATISFIED_COMMENTS = [
    "答复内容空泛，问题没有实际解决。",
    "只说研究考虑，没有具体时间。",
    "办理速度太慢，企业等不起。",
]
WEAK_REPLIES = ["您好，您反映的问题已收悉，我们将积极研究处理。", "您好，相关情况我们将研究考虑。"]
PRAISE = [None, None, None, "处理及时，点赞！", "感谢，问题已解决。", "工作人员很负责。"]
SECOND_REPLY_PREFIX = "针对您的意见，我们再次上门对接，已明确具体时间和责任人："

RETURN_REASONS = ["不属于本部门职责", "该事项属于其他部门审批权限", "反映内容与本部门业务无关"]
EXTENSION_REASONS = ["需要现场勘测并等待第三方检测报告", "涉及多个部门会商，需要更多时间协调",
                     "需上报上级部门审批"]

# --- the ten stories of SCENARIOS.md, told once each -----------------------------------------

STORY_BEARING_QUESTION = ("办理环评需要哪些材料？我们是轴承加工车间，准备新增一条热处理生产线。",
                          "您好，新增热处理生产线需编制环境影响报告表，材料包括：项目备案证明、环评报告表、"
                          "建设项目环评申请表和营业执照复印件，可在县政务服务中心生态环境窗口提交，"
                          "审批时限10个工作日。")
STORY_TRANSFORMER = ("新建车间的变压器已经到位三周了，一直没有接电，设备只能闲置，请尽快安排送电。",
                     "您好，已核实贵公司增容工程，送电计划排定在本周五上午，工作单号GD-2026-0318，"
                     "客户经理将提前一天电话确认，届时请安排电工配合。")
STORY_ROAD_CLOSURE = ("园区管道施工封闭了东侧道路，危化品运输车辆无法进出，原料运不进来，产品也发不出去。",
                      "您好，经交通运输局会同住建、应急管理部门现场研究，已在施工段西侧开辟危化品车辆临时通道，"
                      "明日起可通行，施工单位承诺月底前恢复原道路。",
                      {"HOUSING": "已要求施工单位调整工序，分段施工，月底前恢复路面。",
                       "EMERGENCY": "已审核临时通道危化品运输安全条件，同意开辟临时通道并加强现场管控。"})
STORY_VAT_REFUND = ("我公司的增值税留抵退税申请提交两周了，一直没有消息，请帮忙查一下进度。",
                    "属税务部门职责",
                    "您好，贵公司留抵退税申请已审核完毕，退税款182,600元已于今日办理退库，预计3个工作日内到账。")
STORY_LAND_CERTIFICATE = ("新厂区的土地使用权证一直办不下来，影响后续施工许可，希望帮忙协调。",
                          "需要对厂区地块进行补充测绘，并等待测绘报告",
                          "您好，补充测绘已完成，贵公司新厂区不动产权证书已于今日登记完成，请携带营业执照到"
                          "不动产登记中心领取，也可下载电子证照。")
STORY_RECRUITMENT = ("企业扩产急需招聘100名一线工人，希望人社局帮助组织一场招聘会。",
                     "您好，您反映的情况我们将研究考虑。",
                     "只说研究考虑，没有具体时间，企业等不起。",
                     "您好，专场招聘会定于下月8日上午在县人力资源市场举办，已为贵公司免费安排2个展位，"
                     "并通过各乡镇就业服务站同步发布招聘信息。")
STORY_INSPECTION = "钢结构车间去年底已完工，竣工验收申请提交一个多月了，一直没有安排验收，影响投产。"
STORY_ADVERTISEMENT = ("专业代办营业执照、食品经营许可证，三天出证，价格优惠，电话13900001234。", "广告信息")
STORY_OLD_CARD = ("厂区门口的公交站牌被撤掉了，员工上下班很不方便，希望恢复。",
                  "您好，经与公交公司协调，已在贵公司门口恢复公交站点，下周一起正式停靠。")
STORY_WAGES = ("我在某工地做钢筋工，分包老板拖欠了我们十几个人三个月的工资，一共十二万多元，一直找不到人。",
               "您好，县人社局劳动保障监察大队已约谈总包单位，按照工资保证金制度由总包单位先行垫付，"
               "拖欠工资已于今日全部发放到位。")
