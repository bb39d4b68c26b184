"""`liushou new`: write a new child record with every key, in order, commented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from liushou.cli.common import REPO_OPTION, TODAY_OPTION, app, apply_today, fail, repo_root
from liushou.edit.recordfile import RecordWriteError, write_new_record
from liushou.load.schema import GENDERS, GUARDIANSHIPS, LEFT_BEHIND_TYPES


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "日期应写成 YYYY-MM-DD，例如 2015-09-01", param_hint=option
        ) from None


def _one_of(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"应为 {'、'.join(allowed)} 之一", param_hint=option)
    return value


@app.command()
def new(
    ctx: typer.Context,
    child_id: str = typer.Argument(..., metavar="ID", help="儿童编号（学号），如 2015-302-07。"),
    name: str = typer.Option(..., "--name", help="姓名。"),
    gender: str = typer.Option(..., "--gender", help="性别：男 或 女。"),
    birth_date: str = typer.Option(..., "--birth-date", help="出生日期，如 2008-03-04。"),
    grade: int = typer.Option(..., "--grade", help="年级：0 学前班，1–6 小学，7–9 初中。"),
    klass: int = typer.Option(..., "--class", help="班，如 2。"),
    kind: str = typer.Option(..., "--type", help="留守类型，如 父母均外出。"),
    guardianship: str = typer.Option(..., "--guardianship", help="监护类型，如 隔代监护。"),
    enrolled_on: str = typer.Option(None, "--enrolled-on", help="入学或转入日期，默认今天。"),
    mentor: str = typer.Option(
        None, "--mentor", help="帮扶教师（须在 liushou.yaml 的 staff 中）。"
    ),
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """新建一名留守儿童的档案：children/年级/班/编号.yaml，含全部字段和中文注释，未知项留空。

    例：liushou new 2015-302-07 --name 王小明 --gender 男 --birth-date 2008-03-04 --grade 3 --class 2 --type 父母均外出 --guardianship 隔代监护 --mentor 李红
    """
    opts = apply_today(ctx, today, repo)
    fields = {
        "id": child_id,
        "name": name,
        "gender": _one_of(gender, GENDERS, "--gender"),
        "birth_date": _date(birth_date, "--birth-date"),
        "grade": grade,
        "class": klass,
        "enrolled_on": _date(enrolled_on, "--enrolled-on") if enrolled_on else opts.today,
        "status": "在校",
        "left_behind": {"type": _one_of(kind, LEFT_BEHIND_TYPES, "--type")},
        "guardianship": _one_of(guardianship, GUARDIANSHIPS, "--guardianship"),
    }
    if mentor:
        fields["care"] = {"mentor": mentor}
    root = repo_root(opts)
    try:
        path = write_new_record(root, fields)
    except (RecordWriteError, ValueError) as error:
        raise fail(str(error)) from None
    typer.echo(f"已写入 {path.relative_to(root).as_posix()}；请补全档案内容后运行 liushou check")
