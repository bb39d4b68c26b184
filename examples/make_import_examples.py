"""Write the example sheets of examples/yangliu/import/ as a school keeps them (run once, commit)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent / "yangliu" / "import"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(birth: str, serial: str) -> str:
    """An invented ID number in region 510899 (never assigned), with a correct check digit."""
    first = "510899" + birth + serial
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, WEIGHTS)) % 11]


# fmt: off
ROSTER_HEADER = [
    "序号", "学号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级", "入学日期",
    "留守类型", "监护类型", "父亲姓名", "父亲电话", "父亲务工地点", "母亲姓名", "母亲电话",
    "母亲务工地点", "监护人姓名", "与儿童关系", "监护人年龄", "监护人电话", "家庭住址",
    "兴趣爱好", "帮扶教师",
]
ROSTER_ROWS = [
    # four new children: 学号 as numbers (two) or missing (two, ids are generated)
    [1, 2015030201, "王雨桐", "女", "2008年5月12日", id_number("20080512", "062"), "三年级",
     "三年级（2）班", dt.datetime(2015, 9, 1), "父母均外出", "隔代监护", "王建军", 13907314826,
     "浙江省宁波市北仑区", "何小芳", "15881407263", "浙江省宁波市北仑区", "王德贵", "祖父", 66,
     "13541902738", "青禾县杨柳镇石桥村2组", "跳绳、唱歌", "赵国强"],
    [2, 2015030202, "陈浩然", "男", "2008/9/23", None, "三年级", "2班", "2015/9/1",
     "父亲外出", "单亲监护", "陈伟", "18628450917", "广东省佛山市顺德区", "刘梅", None, None,
     "刘梅", "母亲", 34, "18628450193", "青禾县杨柳镇石桥村4组", "踢足球 下象棋", "赵国强"],
    None,  # a blank row, as rosters often have between groups
    [3, None, "赵子涵", "女", "2009.4.18", None, "一年级", 1, "2015.9.1", "父母均外出",
     "隔代监护", "赵勇", "15308226541", "福建省泉州市晋江市", "周丽", "15308227730",
     "福建省泉州市晋江市", "周桂兰", "外祖母", 61, "13699037215", "青禾县杨柳镇柳溪村6组",
     "画画", "黄小燕"],
    [4, None, "孙宇航", "男", dt.datetime(2010, 6, 30), None, "学前班", "1班",
     "2015年9月1日", "母亲外出", "其他", None, None, None, "马晓燕", "13308391642",
     "四川省成都市武侯区", "孙志明", "父亲", 38, "13308391875", "青禾县杨柳镇集镇街18号",
     "搭积木", "黄小燕"],
    # two children already on record, matched by 学号: one gains interests, one is unchanged
    [5, "yl-2013-0222", "林佳怡", "女", "2007-08-02", None, "三年级", "三年级（2）班", None,
     None, None, None, None, None, None, None, None, None, None, None, None, None,
     "看书、跳绳", None],
    [6, "yl-2015-0103", "李欣怡", "女", dt.datetime(2009, 3, 14), None, "一年级", "1班",
     None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     "画画、跳绳", None],
]
TALKS_HEADER = ["日期", "学号", "姓名", "班级", "谈心教师", "内容"]
TALKS_ROWS = [
    [dt.datetime(2016, 1, 4), "yl-2013-0222", "林佳怡", "三年级（2）班", "赵国强",
     "期末复习有些紧张，鼓励她按计划复习。"],
    ["2016/1/6", "yl-2015-0103", "李欣怡", "一年级（1）班", "黄小燕", "说想妈妈了，约好周末和妈妈视频。"],
    ["2016年1月8日", "yl-2013-0203", "", "三年级（2）班", "赵国强", "作业按时完成，表扬了他。"],
    ["2016.1.11", None, "林佳怡", "三年级（2）班", "赵国强", "寒假安排：每天读书半小时。"],
    [42380, "yl-2015-0103", "李欣怡", "一年级（1）班", "黄小燕", "期末考试前谈心，情绪稳定。"],
]
# fmt: on


def _title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")


def make_roster(path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "花名册"
    _title(ws, "杨柳镇中心小学2015年秋季学期新增留守儿童花名册", len(ROSTER_HEADER))
    ws.append(ROSTER_HEADER)
    for row in ROSTER_ROWS:
        ws.append(row or [])
    for cell in ws["E"][2:] + ws["I"][2:]:
        if isinstance(cell.value, dt.datetime):
            cell.number_format = "yyyy-mm-dd"
    book.save(path)


def make_talks(path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "谈心记录"
    _title(ws, "杨柳镇中心小学留守儿童谈心记录表（2016年1月）", len(TALKS_HEADER))
    ws.append([])
    ws.append(TALKS_HEADER)
    for row in TALKS_ROWS:
        ws.append(row)
    ws["A4"].number_format = "yyyy/m/d"
    book.save(path)


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    make_roster(HERE / "花名册.xlsx")
    make_talks(HERE / "谈心记录.xlsx")
    print(f"已写入 {HERE / '花名册.xlsx'} 和 {HERE / '谈心记录.xlsx'}")
