"""Generate a county-scale liushou data repository for benchmarking.

The repository follows the data contract (data-format §1–4): ``liushou.yaml`` with an invented county
education bureau and about 2,000 invented teachers, one YAML record per child under
``children/<school>/<grade>年级/<class>班/<id>.yaml`` (about 60 schools), and the logs
``logs/talks.csv``, ``logs/visits.csv`` and ``logs/contacts.csv`` with their optional columns.

Every name, place, phone number and ID number is invented. The data is meant to be valid: every
record is archive-complete, every phone is a quoted string of the right form, every ID number has
a correct GB 11643 checksum that agrees with the birth date and gender, every log row names an
existing child and a listed teacher and is dated on a day the child is in care in the 2015 autumn
term (2015-09-01..2016-01-20). The output is the same for the same seed.

The records also carry the entrusted-care keys of data-format §11, as a careful county keeps them:
every child in 隔代监护, 寄养监护 or 其他 care has ``guardian.entrusted_on`` (the day the parents
left, ``left_behind.since`` when known), ``guardian.notice_on`` (the school's copy of the parents'
written notice: in the summer before the term, or within ten days of a mid-term entrustment or
enrolment) and mostly ``guardian.agreement``; every child has a ``care.risk`` level (about 65% 绿,
22% 黄, 10% 橙, 4% 红; higher for focus children, 红 for the rare 无人监护). So ``check`` finds
nothing but the honest LS312 of those few 无人监护 children in care. These keys come from a random
stream of their own, so the rest of every record and the logs are what they were before them.

Usage::

    python benchmarks/generate.py OUT_DIR [--children 50000] [--talks N] [--visits N]
                                          [--contacts N] [--seed 1] [--force]

Row counts not given scale with ``--children``: talks = 20×, visits = contacts = 4× children.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

COUNTY = "青禾县"
BUREAU = "青禾县教育局"
TERM = "2015-autumn"
TERM_START = dt.date(2015, 9, 1)
TERM_END = dt.date(2016, 1, 20)
COUNTY_CODE = "519923"  # invented administrative division code for the ID numbers
COUNTY_AREA_CODE = "0817"  # invented-looking local landline area code
ID_PREFIX = "QH"

# ---------------------------------------------------------------------------------------------
# Invented vocabulary
# ---------------------------------------------------------------------------------------------

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓"
    "许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱"
    "秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文蒲向母苟"
)
BOY_CHARS = "浩宇轩子俊杰博文明伟强磊鹏飞翔凯鑫豪晨阳睿泽宏志毅诚康乐天一嘉思航铭辰锦奕逸涛斌毅昊然"
GIRL_CHARS = "欣怡雨婷萱琪静雪梦瑶佳慧丽敏娜芳雅诗琳颖淑悦彤馨妍可欢甜月晓玉兰思嘉语涵蕊璐"
MAN_CHARS = "建国华强志德明永福红军卫东海涛春生平勇刚斌学兵正清发荣贵成林富才洪光远山长友"
WOMAN_CHARS = "秀英桂兰玉珍凤芳华梅红霞琼丽娟春燕小云翠萍琴素淑敏慧英秋菊荣霞"
TEACHER_CHARS = BOY_CHARS + GIRL_CHARS + "老红燕霞丹莉俊晓光海川蓉娅露"

TOWNSHIPS = (
    "东岭镇",
    "白鹤乡",
    "青石镇",
    "桃源乡",
    "柳溪镇",
    "云台乡",
    "石门镇",
    "龙泉镇",
    "双河乡",
    "清水镇",
    "马鞍乡",
    "红岩镇",
    "金竹乡",
    "杨柳镇",
    "白果乡",
    "竹园镇",
    "梅林乡",
    "凤凰镇",
    "黄桷乡",
    "观音镇",
)
VILLAGES = (
    "红星村",
    "新华村",
    "和平村",
    "团结村",
    "大田村",
    "五星村",
    "光明村",
    "前进村",
    "石桥村",
    "松林村",
    "桃花村",
    "李家湾村",
    "王家坝村",
    "河口村",
    "高坪村",
    "白岩村",
    "长岭村",
    "水井村",
    "庙坝村",
    "堰塘村",
    "青杠村",
    "柏树村",
    "中坝村",
    "新店村",
)
# (work place, employer city prefix, area code)
WORK_PLACES = (
    ("广东省东莞市长安镇", "东莞市", "0769"),
    ("广东省东莞市虎门镇", "东莞市", "0769"),
    ("广东省深圳市宝安区", "深圳市", "0755"),
    ("广东省深圳市龙岗区", "深圳市", "0755"),
    ("广东省广州市白云区", "广州市", "020"),
    ("广东省佛山市南海区", "佛山市", "0757"),
    ("浙江省义乌市", "义乌市", "0579"),
    ("浙江省宁波市北仑区", "宁波市", "0574"),
    ("浙江省温州市瓯海区", "温州市", "0577"),
    ("江苏省苏州市昆山市", "昆山市", "0512"),
    ("江苏省苏州市吴江区", "苏州市", "0512"),
    ("上海市松江区", "上海市", "021"),
    ("上海市嘉定区", "上海市", "021"),
    ("福建省晋江市", "晋江市", "0595"),
    ("福建省厦门市集美区", "厦门市", "0592"),
    ("北京市大兴区", "北京市", "010"),
    ("新疆乌鲁木齐市", "乌鲁木齐市", "0991"),
    ("四川省成都市双流区", "成都市", "028"),
    ("重庆市九龙坡区", "重庆市", "023"),
    ("天津市滨海新区", "天津市", "022"),
)
EMPLOYER_WORDS = ("华兴", "宏达", "鑫源", "永盛", "海通", "金辉", "恒丰", "利民", "东方", "顺达")
EMPLOYER_KINDS = (
    "电子厂",
    "精密机械有限公司",
    "塑胶制品厂",
    "建筑工程有限公司",
    "服装厂",
    "鞋业有限公司",
    "物流有限公司",
    "家具厂",
    "餐饮管理有限公司",
    "五金制品厂",
)
PERSONALITY = (
    "性格内向，不爱说话",
    "活泼开朗，爱交朋友",
    "胆小，遇事容易紧张",
    "倔强，自尊心强",
    "懂事，能帮爷爷奶奶做家务",
    "好动，上课注意力不集中",
    "文静，做事认真",
    "热心，乐于助人",
    "敏感，想念父母时容易哭",
    "有礼貌，但不愿表达自己的想法",
    "自理能力强，比较独立",
    "贪玩，作业常拖拉",
)
INTERESTS = (
    "画画",
    "唱歌",
    "跳绳",
    "踢毽子",
    "篮球",
    "乒乓球",
    "足球",
    "阅读",
    "写字",
    "下象棋",
    "做手工",
    "跳舞",
    "讲故事",
    "折纸",
    "书法",
    "看课外书",
    "种花",
    "跑步",
    "吹口琴",
    "养小动物",
)
CHILD_HEALTH = (
    ("健康", 70),
    ("良好", 12),
    ("轻度近视", 6),
    ("体质较弱，易感冒", 4),
    ("营养不良，偏瘦", 3),
    ("过敏性鼻炎", 2),
    ("有哮喘病史", 2),
    ("先天性心脏病术后，需避免剧烈运动", 1),
)
GUARDIAN_HEALTH = ("良好", "良好", "身体硬朗", "一般", "高血压", "腿脚不便", "患有慢性支气管炎")
GUARDIAN_OCCUPATION = ("务农", "务农", "务农", "务农兼打零工", "个体经营", "经营小卖部", "退休")
LITERACY = ("文盲", "小学", "小学", "初中", "初中", "高中")
ENTRUSTED = ("隔代监护", "寄养监护", "其他")  # data-format §11: written notice needed
RISKS = ("绿", "黄", "橙", "红")
RISK_WEIGHTS = (75, 19, 5, 1)  # an ordinary record
RISK_WEIGHTS_FRAGILE = (52, 33, 12, 3)  # 寄养/其他 care, or the parent at home unfit to care
RISK_WEIGHTS_FOCUS = (0, 25, 50, 25)  # care.focus: true
NOTICE_SEASON = (dt.date(2015, 6, 20), dt.date(2015, 8, 31))  # notices collected before the term
FOCUS_PLANS = (
    "每周谈心一次，帮扶教师每天辅导作业，每月与父母视频通话一次",
    "安排学习伙伴结对，每两周家访一次，关注情绪变化",
    "心理老师每月个别辅导一次，班主任每周与监护人电话沟通",
    "住校期间由生活老师重点照看，周末与监护人交接",
)
NOTES = (
    "父亲每年春节回家一次",
    "暑假随父母在务工地生活",
    "家中有一个弟弟，由祖母一并照看",
    "家距学校较远，步行约一小时",
    "享受营养改善计划",
    "母亲每周与孩子视频通话",
    "祖父母年事已高，需多关注监护情况",
    "学习成绩中等，数学较弱",
)
TALK_OPENINGS = ("课间", "午饭后", "放学后", "在办公室", "在宿舍", "在操场上", "周末返校时")
TALK_TOPICS = (
    "与孩子谈心，了解近期学习情况",
    "询问孩子想不想念父母",
    "了解孩子与同学相处情况",
    "进行安全教育，强调不下河游泳",
    "谈生活习惯，督促按时睡觉",
    "了解孩子情绪低落的原因",
    "谈期中考试成绩和下一步打算",
    "了解在家作业完成情况",
    "鼓励孩子多参加集体活动",
    "询问爷爷奶奶身体和家中近况",
    "谈如何与父母电话沟通",
    "了解周末在家的安排",
)
TALK_RESULTS = (
    "孩子情绪稳定",
    "孩子表示会努力学习",
    "孩子说出了心里话",
    "孩子有些想家，已安慰",
    "孩子主动说起父母的工作",
    "孩子答应按时完成作业",
    "孩子愿意和同学一起玩",
    "孩子比上次开朗了一些",
)
FOLLOW_UPS = (
    "下周继续关注",
    "联系监护人督促完成作业",
    "告知父母孩子近况",
    "安排学习伙伴帮助",
    "请心理老师个别辅导",
    "下次家访时与监护人沟通",
)
VISIT_SUMMARIES = (
    "到家中走访，了解孩子在家学习和生活情况",
    "与监护人交流孩子在校表现，查看居住环境",
    "家访时孩子正在写作业，监护人反映孩子懂事",
    "与祖父母交流，提醒注意用电用火安全",
    "了解家庭经济情况，登记困难需求",
    "向监护人宣传家庭教育知识和防溺水知识",
    "与孩子一起整理书桌，鼓励其按时作息",
    "监护人身体欠佳，建议与孩子父母多沟通",
)
CONTACT_PARENT = (
    "向家长通报孩子近期学习情况",
    "与家长交流孩子的情绪变化",
    "提醒家长多与孩子通电话",
    "告知家长期中考试成绩",
    "家长询问孩子在校生活，已详细说明",
    "请家长寒假回家多陪伴孩子",
)
CONTACT_GUARDIAN = (
    "与监护人沟通孩子作业完成情况",
    "提醒监护人注意孩子上学路上的安全",
    "监护人反映孩子在家看电视时间较长",
    "告知监护人学校近期活动安排",
    "与监护人交流孩子身体状况",
)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "170 176 177 178 180 181 182 183 185 186 187 188 189"
).split()


def id_number(birth: dt.date, male: bool, seq: int) -> str:
    """An 18-character resident ID (GB 11643) with a valid MOD 11-2 check character."""
    order = seq % 500 * 2 + (1 if male else 0)
    body = f"{COUNTY_CODE}{birth:%Y%m%d}{order:03d}"
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def rand_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A uniformly random date in [lo, hi]."""
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


class Namer:
    """Invented Chinese names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _given(self, chars: str, two: float) -> str:
        r = self.rng
        return r.choice(chars) + (r.choice(chars) if r.random() < two else "")

    def child(self, male: bool, surname: str | None = None) -> str:
        return (surname or self.rng.choice(SURNAMES)) + self._given(
            BOY_CHARS if male else GIRL_CHARS, 0.75
        )

    def adult(self, male: bool, surname: str | None = None) -> str:
        return (surname or self.rng.choice(SURNAMES)) + self._given(
            MAN_CHARS if male else WOMAN_CHARS, 0.7
        )

    def teacher(self) -> str:
        return self.rng.choice(SURNAMES) + self._given(TEACHER_CHARS, 0.6)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random, area: str) -> str:
    digits = 8 if len(area) == 3 else rng.choice((7, 8))
    first = str(rng.randint(2, 8))
    rest = f"{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
    return f"{area}-{first}{rest}" if rng.random() < 0.8 else f"{area}{first}{rest}"


@dataclass
class School:
    """One school of the county."""

    no: int
    name: str
    township: str
    village: str
    grades: tuple[int, ...]
    weight: float
    staff: list[str]
    boarding_share: float


@dataclass
class Child:
    """What the log generator needs to know about a child."""

    id: str
    school: School
    mentor: str
    has_guardian: bool
    lo: int  # first day index (0 = TERM_START) on which the child is in care
    hi: int  # last day index on which the child is in care (lo > hi: never in term)


# ---------------------------------------------------------------------------------------------
# Schools and staff
# ---------------------------------------------------------------------------------------------


def make_schools(rng: random.Random, n_staff: int) -> tuple[list[School], list[str], str]:
    """About 60 schools, 2,000 unique teacher names split by school size, and the bureau leader."""
    schools: list[School] = []
    villages = list(VILLAGES)
    for i, town in enumerate(TOWNSHIPS):
        short = town[:-1]
        village = villages[i % len(villages)]
        other = villages[(i + 7) % len(villages)]
        schools.append(
            School(0, f"{short}中心小学", town, village, tuple(range(0, 7)), 1.6, [], 0.2)
        )
        schools.append(
            School(0, f"{short}{other[:-1]}村小学", town, other, tuple(range(1, 7)), 0.5, [], 0)
        )
        schools.append(School(0, f"{short}初级中学", town, village, (7, 8, 9), 0.9, [], 0.7))
    for no, school in enumerate(schools, 1):
        school.no = no
    namer = Namer(rng)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n_staff:
        name = namer.teacher()
        if name not in seen:
            seen.add(name)
            names.append(name)
    leader, pool = names[0], names[1:]
    total_w = sum(s.weight for s in schools)
    start = 0
    for k, school in enumerate(schools):
        end = (
            len(pool)
            if k == len(schools) - 1
            else start + round(len(pool) * school.weight / total_w)
        )
        school.staff = pool[start:end]
        start = end
    return schools, names, leader


def write_settings(out: Path, names: list[str], leader: str, n_children: int) -> None:
    lines = [
        "# 青禾县留守儿童关爱工作数据（基准测试用，全部为虚构数据）",
        f"school: {BUREAU}",
        f"county: {COUNTY}",
        f"leader: {leader}",
        "staff:",
        *(f"  - {n}" for n in names),
        "students_total:",
        f"  {TERM}: {round(n_children / 0.42)}",
        "terms:",
        f"  {TERM}: {{start: {TERM_START.isoformat()}, end: {TERM_END.isoformat()}}}",
        "plan:",
        f"  {TERM}:",
        "    2015-09: [制定本学期关爱工作计划, 摸底更新留守儿童信息]",
        "    2015-10: [开展国庆节日关爱活动, 组织留守儿童与父母视频通话]",
        "    2015-11: [开展心理健康教育, 期中家访]",
        "    2015-12: [安全教育月, 监护人培训]",
        "    2016-01: [期末总结, 寒假安全教育]",
        "",
    ]
    (out / "liushou.yaml").write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------


def school_plan(rng: random.Random, schools: list[School], n: int) -> list[tuple[School, int, int]]:
    """(school, grade, class) for each of the n children, ordered by school, grade and class."""
    slots = [(s, g) for s in schools for g in s.grades]
    weights = [s.weight / len(s.grades) * (0.6 if g == 0 else 1.0) for s, g in slots]
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    for k in rng.sample(range(len(slots)), n - sum(counts)):
        counts[k] += 1
    plan: list[tuple[School, int, int]] = []
    for (school, grade), count in zip(slots, counts, strict=True):
        classes = max(1, math.ceil(count / 20))  # left-behind children are ~40% of a class of 50
        plan.extend((school, grade, 1 + rng.randrange(classes)) for _ in range(count))
    plan.sort(key=lambda t: (t[0].no, t[1], t[2]))
    return plan


def day_index(d: dt.date) -> int:
    return (d - TERM_START).days


def duty_keys(
    duty: random.Random,
    guardianship: str,
    lb_type: str,
    focus: bool,
    birth: dt.date,
    enrolled: dt.date,
    since: dt.date | None,
) -> tuple[list[str], str]:
    """The data-format §11 keys of one record: guardian lines and the care.risk level.

    duty is a random stream of its own, so these keys leave the rest of the data as it was.
    """
    guardian: list[str] = []
    if guardianship in ENTRUSTED:
        entrusted = since or rand_date(
            duty, max(birth + dt.timedelta(days=365), dt.date(2008, 3, 1)), dt.date(2015, 8, 20)
        )
        anchor = max(entrusted, enrolled)
        if anchor > TERM_START:  # entrusted or enrolled during the term: the notice follows
            notice = anchor + dt.timedelta(days=duty.randint(0, 10))
        else:
            notice = rand_date(duty, max(entrusted, NOTICE_SEASON[0]), NOTICE_SEASON[1])
        guardian = [
            f"  entrusted_on: {entrusted.isoformat()}",
            f"  notice_on: {notice.isoformat()}",
        ]
        r = duty.random()
        if r < 0.9:
            guardian.append(f"  agreement: {'true' if r < 0.84 else 'false'}")
    if guardianship == "无人监护":
        risk = "红"
    else:
        fragile = guardianship in ("寄养监护", "其他") or lb_type == "一方外出另一方无监护能力"
        weights = RISK_WEIGHTS_FOCUS if focus else RISK_WEIGHTS_FRAGILE if fragile else RISK_WEIGHTS
        risk = duty.choices(RISKS, weights)[0]
    return guardian, risk


def make_child(
    rng: random.Random,
    duty: random.Random,
    namer: Namer,
    seq: int,
    school: School,
    grade: int,
    klass: int,
) -> tuple[str, Child]:
    """The YAML text of one valid, archive-complete child record and its log-relevant facts.

    rng draws everything the record had before data-format §11; duty draws the §11 keys.
    """
    cid = f"{ID_PREFIX}{school.no:02d}-{seq:05d}"
    male = rng.random() < 0.53
    surname = rng.choice(SURNAMES)
    name = namer.child(male, surname)
    age = (5 if grade == 0 else 5 + grade) + (1 if rng.random() < 0.1 else 0)
    birth = rand_date(rng, dt.date(2015 - age - 1, 9, 1), dt.date(2015 - age, 8, 31))
    first_grade = 7 if grade >= 7 else (0 if grade == 0 else 1)
    entry_year = 2015 - (grade - first_grade)
    r = rng.random()
    if r < 0.85 or entry_year == 2015:
        enrolled = dt.date(entry_year, 9, 1)
        if entry_year == 2015 and rng.random() < 0.04:
            enrolled = rand_date(rng, dt.date(2015, 9, 2), dt.date(2015, 11, 15))
    elif r < 0.95:
        enrolled = rand_date(rng, dt.date(entry_year, 9, 2), dt.date(2015, 6, 30))
    else:
        enrolled = rand_date(rng, dt.date(2015, 9, 2), dt.date(2015, 11, 15))

    r = rng.random()
    status, status_date = "在校", None
    if r < 0.015:
        status = "转出"
        status_date = rand_date(
            rng, max(enrolled, TERM_START) + dt.timedelta(10), dt.date(2016, 1, 8)
        )
    elif r < 0.018:
        status = "转出"
        lo = max(enrolled + dt.timedelta(days=30), dt.date(2015, 3, 1))
        if lo < dt.date(2015, 7, 10):
            status_date = rand_date(rng, lo, dt.date(2015, 7, 10))
        else:
            status = "在校"
    elif r < 0.022 and grade >= 5:
        status = "辍学"
        status_date = rand_date(
            rng, max(enrolled, TERM_START) + dt.timedelta(20), dt.date(2016, 1, 8)
        )
    elif r < 0.024:
        status = "休学"
        status_date = rand_date(
            rng, max(enrolled, TERM_START) + dt.timedelta(10), dt.date(2015, 12, 20)
        )

    r = rng.random()
    lb_type = (
        "父母均外出"
        if r < 0.55
        else "父亲外出"
        if r < 0.8
        else "母亲外出"
        if r < 0.92
        else "一方外出另一方无监护能力"
    )
    since = until = None
    r = rng.random()
    if r < 0.2:
        since = rand_date(rng, birth + dt.timedelta(days=365), dt.date(2015, 3, 1))
    elif r < 0.23:
        since = rand_date(rng, dt.date(2015, 9, 5), dt.date(2015, 11, 30))
    if rng.random() < 0.015:
        until = rand_date(rng, dt.date(2015, 10, 8), dt.date(2016, 1, 10))
        if since and until <= since:
            until = None

    # Parents: the one(s) working away, with the at-home parent (if fit) as guardian.
    father_away = lb_type in ("父母均外出", "父亲外出") or (
        lb_type == "一方外出另一方无监护能力" and rng.random() < 0.7
    )
    mother_away = lb_type in ("父母均外出", "母亲外出") or (
        lb_type == "一方外出另一方无监护能力" and not father_away
    )
    father = namer.adult(True, surname)
    mother = namer.adult(False)
    parents = []
    for relation, pname, away in (("父亲", father, father_away), ("母亲", mother, mother_away)):
        if not away:
            continue
        place, city, area = rng.choice(WORK_PLACES)
        lines = [
            f"  - relation: {relation}",
            f"    name: {pname}",
            f"    phone: '{mobile(rng)}'",
            f"    work_place: {place}",
        ]
        if rng.random() < 0.7:
            lines.append(
                f"    employer: {city}{rng.choice(EMPLOYER_WORDS)}{rng.choice(EMPLOYER_KINDS)}"
            )
            if rng.random() < 0.5:
                lines.append(f"    employer_phone: '{landline(rng, area)}'")
        parents.append("\n".join(lines))

    r = rng.random()
    if lb_type in ("父亲外出", "母亲外出") and r < 0.7:
        guardianship = "单亲监护"
        g_rel, g_name = ("母亲", mother) if lb_type == "父亲外出" else ("父亲", father)
        g_age = 2015 - birth.year + rng.randint(22, 34)
        g_occ = rng.choice(("务农", "务农兼打零工", "在家照顾老人孩子", "个体经营"))
    elif r < 0.012 and grade >= 5:
        guardianship = "无人监护"
        g_rel = g_name = None
    elif r < 0.8 or lb_type not in ("父母均外出", "一方外出另一方无监护能力"):
        guardianship = "隔代监护"
        g_male = rng.random() < 0.45
        paternal = rng.random() < 0.75
        g_rel = ("祖父" if g_male else "祖母") if paternal else ("外祖父" if g_male else "外祖母")
        g_name = namer.adult(g_male, surname if paternal and g_male else None)
        g_age = rng.randint(55, 78)
        g_occ = rng.choice(GUARDIAN_OCCUPATION)
    elif r < 0.95:
        guardianship = "寄养监护"
        g_rel = rng.choice(("舅舅", "姑姑", "姨妈", "伯父", "叔叔", "婶婶"))
        g_name = namer.adult(g_rel in ("舅舅", "伯父", "叔叔"))
        g_age = rng.randint(30, 55)
        g_occ = rng.choice(GUARDIAN_OCCUPATION[:-1])
    else:
        guardianship = "其他"
        g_rel = rng.choice(("哥哥", "姐姐", "邻居", "表叔"))
        g_name = namer.adult(
            g_rel in ("哥哥", "表叔"), surname if g_rel in ("哥哥", "姐姐") else None
        )
        g_age = rng.randint(19, 50)
        g_occ = rng.choice(("务农", "在附近工厂上班", "个体经营"))

    village = rng.choice(VILLAGES) if rng.random() < 0.6 else school.village
    address = f"{COUNTY}{school.township}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    mentor = rng.choice(school.staff)
    focus = rng.random() < 0.08 or guardianship == "无人监护"
    with_id = rng.random() < 0.5
    first_day = max(enrolled, TERM_START)
    if status_date and status_date <= first_day:
        first_day = enrolled
    last_day = first_day + dt.timedelta(days=20)
    if status_date:
        last_day = max(first_day, min(last_day, status_date - dt.timedelta(days=1)))
    consent_on = rand_date(rng, first_day, last_day)
    duty_guardian, risk = duty_keys(duty, guardianship, lb_type, focus, birth, enrolled, since)

    out = [
        f"id: {cid}",
        f"name: {name}",
        f"gender: {'男' if male else '女'}",
        f"birth_date: {birth.isoformat()}",
    ]
    if with_id:
        out.append(f"id_number: '{id_number(birth, male, seq)}'")
    out += [
        f"grade: {grade}",
        f"class: {klass}",
        f"boarding: {'true' if rng.random() < school.boarding_share else 'false'}",
        f"address: {address}",
        f"enrolled_on: {enrolled.isoformat()}",
        f"status: {status}",
    ]
    if status_date:
        out.append(f"status_date: {status_date.isoformat()}")
    out += ["left_behind:", f"  type: {lb_type}"]
    if since:
        out.append(f"  since: {since.isoformat()}")
    if until:
        out.append(f"  until: {until.isoformat()}")
    out += [f"guardianship: {guardianship}", "parents:", *parents]
    if g_name:
        g_phone = mobile(rng) if rng.random() < 0.85 else landline(rng, COUNTY_AREA_CODE)
        g_health = rng.choice(GUARDIAN_HEALTH) if g_age >= 50 else "良好"
        g_address = address
        if guardianship != "单亲监护" and rng.random() < 0.1:
            g_address = COUNTY + school.township + school.village
        out += [
            "guardian:",
            f"  name: {g_name}",
            f"  relation: {g_rel}",
            f"  age: {g_age}",
            f"  occupation: {g_occ}",
            f"  address: {g_address}",
            f"  phone: '{g_phone}'",
            f"  health: {g_health}",
        ]
        if rng.random() < 0.8:
            out.append(f"  literacy: {rng.choice(LITERACY)}")
        out += duty_guardian
    health = rng.choices([h for h, _ in CHILD_HEALTH], [w for _, w in CHILD_HEALTH])[0]
    interests = rng.sample(INTERESTS, rng.randint(1, 3))
    out += [
        "profile:",
        f"  personality: {rng.choice(PERSONALITY)}",
        f"  interests: [{', '.join(interests)}]",
        f"  health: {health}",
        "care:",
        f"  mentor: {mentor}",
    ]
    if rng.random() < 0.6:
        out.append(f"  buddy: {namer.child(rng.random() < 0.5)}")
    out.append(f"  focus: {'true' if focus else 'false'}")
    if focus:
        out.append(f"  plan: {rng.choice(FOCUS_PLANS)}")
    out += [
        f"  vaccinated: {'true' if rng.random() < 0.96 else 'false'}",
        f"  insured: {'true' if rng.random() < 0.9 else 'false'}",
        f"  risk: {risk}",
        "consent:",
        f"  by: {g_name or father}（{g_rel or '父亲'}）",
        f"  on: {consent_on.isoformat()}",
    ]
    if rng.random() < 0.3:
        out.append(f"notes: {rng.choice(NOTES)}")
    out.append("")

    # Days in care inside the term (data-format §6: enrolled_on ≤ d, d < status_date, since ≤ d < until).
    lo = max(day_index(enrolled), day_index(since) if since else -1, 0)
    hi = day_index(TERM_END)
    for stop in (status_date, until):
        if stop:
            hi = min(hi, day_index(stop) - 1)
    child = Child(cid, school, mentor, g_name is not None, lo, hi)
    return "\n".join(out), child


def write_children(
    rng: random.Random, duty: random.Random, out: Path, schools: list[School], n: int
) -> list[Child]:
    namer = Namer(rng)
    children: list[Child] = []
    seq_by_school: dict[int, int] = {}
    made_dirs: set[Path] = set()
    for school, grade, klass in school_plan(rng, schools, n):
        seq = seq_by_school.get(school.no, 0) + 1
        seq_by_school[school.no] = seq
        text, child = make_child(rng, duty, namer, seq, school, grade, klass)
        folder = (
            out
            / "children"
            / school.name
            / ("学前班" if grade == 0 else f"{grade}年级")
            / f"{klass}班"
        )
        if folder not in made_dirs:
            folder.mkdir(parents=True, exist_ok=True)
            made_dirs.add(folder)
        with open(folder / f"{child.id}.yaml", "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        children.append(child)
    return children


# ---------------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------------


def allocate(rng: random.Random, children: list[Child], total: int) -> list[int]:
    """Split total rows over the children in proportion to their days in care this term."""
    days = [max(0, c.hi - c.lo + 1) for c in children]
    all_days = sum(days)
    if all_days == 0:
        return [0] * len(children)
    counts = [total * d // all_days for d in days]
    eligible = [k for k, d in enumerate(days) if d > 0]
    rest = total - sum(counts)
    while rest > 0:
        for k in rng.sample(eligible, min(rest, len(eligible))):
            counts[k] += 1
        rest = total - sum(counts)
    return counts


def pick_staff(rng: random.Random, child: Child, share: float) -> str:
    return child.mentor if rng.random() < share else rng.choice(child.school.staff)


def write_log(rng: random.Random, path: Path, header: list[str], rows: list[tuple]) -> None:
    """Write the rows in date order, shuffled within a day as a school's log would be."""
    rng.shuffle(rows)
    rows.sort(key=lambda row: row[0])
    days = [(TERM_START + dt.timedelta(days=k)).isoformat() for k in range(400)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows((days[row[0]], *row[1:]) for row in rows)


def log_days(rng: random.Random, child: Child, count: int) -> list[int]:
    """count days in the child's care window, all different while the window allows it."""
    window = range(child.lo, child.hi + 1)
    if count <= len(window):
        return rng.sample(window, count)
    return [rng.choice(window) for _ in range(count)]


def write_logs(
    rng: random.Random, out: Path, children: list[Child], talks: int, visits: int, contacts: int
) -> None:
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    talk_texts = [f"{o}{t}，{r}" for o in TALK_OPENINGS for t in TALK_TOPICS for r in TALK_RESULTS]
    rnd, choice = rng.random, rng.choice

    rows: list[tuple] = []
    for child, count in zip(children, allocate(rng, children, talks), strict=True):
        for day in log_days(rng, child, count):
            staff = pick_staff(rng, child, 0.7)
            follow = choice(FOLLOW_UPS) if rnd() < 0.3 else ""
            rows.append((day, child.id, staff, choice(talk_texts), follow))
    header = ["date", "child_id", "staff", "summary", "follow_up"]
    write_log(rng, logs / "talks.csv", header, rows)

    rows = []
    for child, count in zip(children, allocate(rng, children, visits), strict=True):
        for day in log_days(rng, child, count):
            staff = pick_staff(rng, child, 0.6)
            rows.append((day, child.id, staff, choice(VISIT_SUMMARIES)))
    write_log(rng, logs / "visits.csv", ["date", "child_id", "staff", "summary"], rows)

    rows = []
    for child, count in zip(children, allocate(rng, children, contacts), strict=True):
        for day in log_days(rng, child, count):
            staff = pick_staff(rng, child, 0.8)
            if child.has_guardian and rnd() < 0.45:
                with_, channel = "监护人", choice(("电话", "电话", "面谈", "面谈", "微信"))
                summary = choice(CONTACT_GUARDIAN)
            else:
                with_, channel = "父母", choice(("电话", "电话", "视频", "微信", "微信", "书信"))
                summary = choice(CONTACT_PARENT)
            rows.append((day, child.id, staff, with_, channel, summary))
    header = ["date", "child_id", "staff", "with", "channel", "summary"]
    write_log(rng, logs / "contacts.csv", header, rows)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="repository folder to create")
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--talks", type=int, help="talks.csv rows (default 20 × children)")
    parser.add_argument("--visits", type=int, help="visits.csv rows (default 4 × children)")
    parser.add_argument("--contacts", type=int, help="contacts.csv rows (default 4 × children)")
    parser.add_argument("--staff", type=int, default=2000, help="teachers in liushou.yaml")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--force", action="store_true", help="replace children/ and logs/ if OUT_DIR has them"
    )
    args = parser.parse_args(argv)
    n = args.children
    talks = 20 * n if args.talks is None else args.talks
    visits = 4 * n if args.visits is None else args.visits
    contacts = 4 * n if args.contacts is None else args.contacts
    out: Path = args.out_dir

    for sub in ("children", "logs"):
        if (out / sub).exists():
            if not args.force:
                parser.error(f"{out / sub} exists; use --force to replace it")
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    rng = random.Random(args.seed)
    schools, staff, leader = make_schools(rng, max(args.staff, 2 * 61))
    write_settings(out, staff, leader, n)
    duty = random.Random(f"{args.seed}:data-format-11")  # the §11 keys' own stream
    children = write_children(rng, duty, out, schools, n)
    t_children = time.perf_counter() - started
    write_logs(rng, out, children, talks, visits, contacts)
    elapsed = time.perf_counter() - started
    print(
        f"{out}: {len(schools)} schools, {len(staff)} staff, {n} children "
        f"({t_children:.1f} s), {talks} talks, {visits} visits, {contacts} contacts "
        f"in {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
