"""The one finding type and the catalogue of every check code with its Chinese message."""

from __future__ import annotations

from dataclasses import dataclass

from liushou.textsafe import safe_value

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """A catalogue entry: stable code, default severity, Chinese title and message template."""

    code: str
    severity: str
    title: str
    template: str


_CODES = [
    # LS0xx: reading files
    Code("LS001", ERROR, "无法识别的编码", "文件编码无法识别：请另存为 UTF-8（或 GB18030/GBK）"),
    Code("LS002", ERROR, "YAML 语法错误", "YAML 语法错误：{detail}"),
    Code("LS003", ERROR, "重复的键", "键 {key} 重复出现（第一次在第 {first} 行），请只保留一个"),
    Code("LS004", ERROR, "缩进中有制表符", "缩进中有制表符（Tab），YAML 只允许用空格缩进"),
    Code("LS005", ERROR, "一个文件多个文档", "文件中有多个 YAML 文档（---），每个文件只能写一个"),
    Code("LS006", ERROR, "空文件", "文件是空的"),
    Code("LS007", ERROR, "顶层不是映射", "文件顶层应为“键: 值”的映射，而不是{found}"),
    Code(
        "LS008",
        WARNING,
        "非 UTF-8 编码",
        "文件以 {encoding} 编码保存，已正确读取；建议另存为 UTF-8："
        "在 WPS 或 Excel 中选“另存为”，文件类型选“CSV UTF-8（逗号分隔）”"
        "（YAML 文件可用记事本“另存为”，编码选 UTF-8）",
    ),
    Code("LS009", ERROR, "CSV 行格式错误", "{detail}"),
    Code("LS010", ERROR, "缺少必需列", "缺少必需列 {column}（需要：{required}）"),
    Code("LS011", ERROR, "重复的列名", "列名 {column} 重复出现"),
    Code(
        "LS012",
        WARNING,
        "未知的日志文件",
        "logs/ 下的文件 {name} 不是已知的日志（{known}），未读取",
    ),
    Code("LS013", ERROR, "无法读取的文件", "文件无法读取（权限不足或已损坏），请检查文件权限"),
    # LS1xx: child record schema
    Code("LS101", ERROR, "缺少必填字段", "缺少必填字段 {field}"),
    Code("LS102", ERROR, "类型错误", "字段 {field} 应为{expected}，实际是{found}"),
    Code("LS103", ERROR, "取值不在允许范围", "字段 {field} 的值不在允许范围内，应为：{allowed}"),
    Code("LS104", ERROR, "未知字段", "未知字段 {field}{hint}"),
    Code("LS105", ERROR, "编号与文件名不符", "id 应与文件名 {stem} 一致"),
    Code("LS106", ERROR, "编号重复", "id {id} 已在 {other} 中使用"),
    Code("LS107", ERROR, "日期无效", "字段 {field} 不是有效日期，应写成 YYYY-MM-DD{hint}"),
    Code(
        "LS108",
        ERROR,
        "电话号码未加引号",
        '电话 {field} 被读成了数字，请加引号，例如 "13800000000"',
    ),
    Code(
        "LS109",
        ERROR,
        "电话号码格式错误",
        "电话 {field} 格式不对：应为 11 位手机号或带区号的座机号",
    ),
    Code("LS110", ERROR, "身份证号格式错误", "身份证号 {field} 应为 18 位（17 位数字加数字或 X）"),
    Code("LS111", ERROR, "身份证号校验码错误", "身份证号 {field} 的校验码不对，请核对是否抄错"),
    Code("LS112", ERROR, "身份证号与出生日期不符", "身份证号中的出生日期与 birth_date 不一致"),
    Code("LS113", ERROR, "身份证号与性别不符", "身份证号中的性别位与 gender 不一致"),
    Code("LS114", ERROR, "缺少状态日期", "status 为{status}时必须填写 status_date"),
    Code("LS115", ERROR, "编号格式错误", "id 只能包含字母、数字、- 和 _"),
    Code("LS116", ERROR, "数值超出范围", "字段 {field} 应为{expected}"),
    Code("LS117", ERROR, "日期先后矛盾", "{later} 不能早于 {earlier}"),
    # LS2xx: references
    Code("LS201", ERROR, "未知的儿童编号", "{column} 中的编号 {id} 没有对应的儿童档案{hint}"),
    Code(
        "LS202",
        WARNING,
        "未知的教师",
        "{column} 中的 {name} 不在 liushou.yaml 的 staff 名单中{hint}",
    ),
    Code(
        "LS203",
        ERROR,
        "帮扶教师不在名单中",
        "帮扶教师 {name} 不在 liushou.yaml 的 staff 名单中{hint}",
    ),
    # LS3xx: policy
    Code(
        "LS301",
        ERROR,
        "重点帮扶缺少方案",
        "care.focus 为 true 时必须填写个别教育管理方案 care.plan",
    ),
    Code("LS302", ERROR, "无人监护缺少帮扶教师", "无人监护的儿童必须指定帮扶教师 care.mentor"),
    Code("LS303", WARNING, "档案不完整", "建档信息缺少 {field}（{title}）"),
    Code("LS304", ERROR, "日期在今天之后", "{column} 是将来的日期（今天是 {today}）"),
    Code("LS305", WARNING, "重复的记录行", "与第 {first} 行完全相同"),
    Code("LS306", WARNING, "记录在在校期间之外", "{column} 在该儿童{when}"),
    Code(
        "LS310",
        WARNING,
        "缺少委托照护书面告知",
        "父母应书面告知学校委托照护情况：{guardianship}的儿童缺少 guardian.notice_on"
        "（学校收到书面告知的日期）",
    ),
    Code(
        "LS311",
        WARNING,
        "监护人未成年",
        "监护人年龄不满 {age} 周岁，不具备监护能力，请落实有能力的委托照护人",
    ),
    Code(
        "LS312",
        WARNING,
        "无人监护",
        "在校儿童无人监护：须立即报告并落实监护（不满十六周岁的儿童不得脱离监护单独生活）",
    ),
    Code(
        "LS313",
        WARNING,
        "辍学儿童已复学",
        "{file} 第 {line} 行记录该儿童已复学：请把 status 改回 在校",
    ),
    # LS4xx: log values
    Code("LS401", ERROR, "必填列为空", "必填列 {column} 为空"),
    Code("LS402", ERROR, "日期无法识别", "{column} 无法识别，应写成 {expected}"),
    Code(
        "LS403",
        WARNING,
        "Excel 日期格式",
        "{column} 写成了 Excel 的日期格式（如 {example}），已按日期读取",
    ),
    Code("LS404", ERROR, "取值不在允许范围", "{column} 的值不在允许范围内，应为：{allowed}"),
    Code("LS405", ERROR, "金额无效", "amount 应为不小于 0 的数字（单位：元）"),
    Code("LS406", ERROR, "通报时间早于发生时间", "{column} 早于事件发生时间 occurred_at"),
    Code(
        "LS407",
        ERROR,
        "强制报告事件未上报",
        "{kind}事件属于强制报告范围，必须填写上报时间 reported_at",
    ),
    # LS5xx: closed terms (data-format §10 close)
    Code(
        "LS501",
        ERROR,
        "已关账学期的记录被改动",
        "日期在已关账学期 {term} 内的记录行{what}；如确需更正，请先运行"
        " liushou close --term {term} --reopen --reason 原因",
    ),
    Code(
        "LS502",
        ERROR,
        "已关账学期依据的档案被改动",
        "学期 {term} 关账后，报告所依据的儿童档案字段有改动（{ids}）；如确需更正，请先运行"
        " liushou close --term {term} --reopen --reason 原因",
    ),
    Code(
        "LS503",
        ERROR,
        "关账记录无法读取",
        "关账记录无法读取或内容不完整，请从 git 历史中恢复此文件",
    ),
    # LS9xx: settings (liushou.yaml); any of these stops the run with exit code 2
    Code("LS901", ERROR, "找不到学校设置", "在 {path} 及其上级目录中找不到 liushou.yaml"),
    Code("LS902", ERROR, "学校设置有误", "{detail}"),
    Code("LS903", ERROR, "学校设置中的未知字段", "liushou.yaml 中有未知字段 {field}{hint}"),
    Code("LS904", ERROR, "学期名称错误", "学期名称 {term} 不对，应写成 2015-autumn 或 2016-spring"),
    Code("LS905", ERROR, "关爱制度设置有误", "关爱制度 {id}：{detail}"),
    # Hardening (issue 14): what the read policy and the limits refuse
    Code(
        "LS014",
        ERROR,
        "链接指向仓库之外",
        "{name} 是指向仓库之外的链接，未读取（liushou 只读取仓库内的文件）",
    ),
    Code("LS015", ERROR, "循环链接", "{name} 是循环的链接（或再次指向已读过的文件夹），未读取"),
    Code(
        "LS016",
        ERROR,
        "无法读取的文件夹",
        "文件夹 {name} 无法读取（权限不足），其中的档案或日志都没有检查",
    ),
    Code("LS017", ERROR, "文件过大", "文件有 {size}，超过上限 {limit}，未读取"),
    Code("LS018", ERROR, "列数过多", "表头有 {count} 列，超过上限 {limit} 列，未读取"),
    Code(
        "LS019",
        ERROR,
        "未知字段过多",
        "未知字段超过 {limit} 个，文件未检查（是否把别的数据存成了档案？）",
    ),
    # LS99x: liushou itself failed; never the school's fault
    Code("LS990", ERROR, "检查程序出错", "检查 {check} 出错（{error}），请向开发者报告"),
]

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


@dataclass(frozen=True)
class Finding:
    """One problem found in a user's file. `file` is relative to the repository root."""

    file: str
    line: int | None
    column: int | None
    severity: str
    code: str
    message: str

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.column or 0, self.code, self.message)


def finding(
    code: str,
    file: str,
    line: int | None = None,
    column: int | None = None,
    /,
    severity: str | None = None,
    **values: object,
) -> Finding:
    """Build a finding from its catalogue entry.

    Args:
        code: a catalogue code such as "LS101".
        file: path relative to the repository root, with "/".
        line, column: 1-based position, when known.
        severity: overrides the catalogue's default.
        values: fill the message template; never pass a personal value (phone, ID, address).

    Returns:
        The finding.
    """
    entry = CATALOGUE[code]
    return Finding(
        file, line, column, severity or entry.severity, code, entry.template.format(**values)
    )


def shown(value: object) -> str:
    """A value from the user's files, fit to print in a message that may reach a CI log.

    Ids and short names are shown as written, since they are what the user must find; a value
    that may be a phone, an ID number or an address (digits among text, long digit runs, long
    text) is not echoed.
    """
    # Short names only without the characters addresses are made of (textsafe.safe_value).
    text = safe_value(value)
    return text if text is not None else "（此值可能含个人信息，不予显示）"


def closest(word: str, known) -> str | None:
    """The known name a mistyped `word` most likely meant (did-you-mean), or None."""
    import difflib

    match = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return match[0] if match else None


def one_edit_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one character changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long_)) if x != y), len(short))
    return short[i:] == long_[i + 1 :]


def closest_name(word: str, known) -> str | None:
    """The staff name a mistyped `word` most likely meant (何莉 for 何丽), or None.

    Used for every staff name (LS202, LS203). difflib's ratio is too strict for two-character
    names (何莉 and 何丽 score 0.5), so the one name a single slip away comes first; when
    several are, the word may be another person and nothing is suggested.
    """
    word = str(word).strip()
    near = [name for name in dict.fromkeys(known) if one_edit_apart(word, name)]
    if len(near) == 1:
        return near[0]
    return None if near else closest(word, known)
