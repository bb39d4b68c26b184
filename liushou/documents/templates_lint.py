"""Check a school's report and plan templates: variables the engine does not supply, Jinja
tags that Word split across runs, and a trial render with figures from a made-up school.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from lxml import etree

from liushou.documents.docx_render import (
    PLAN_DOCX,
    SUMMARY_DOCX,
    _w,
    docx_environment,
    render_docx,
    template_path,
)
from liushou.documents.render import RenderError, environment, plan_context, report_context
from liushou.documents.render import render as render_markdown
from liushou.figures.metrics import TermFigures, compute
from liushou.load.logs import read_log
from liushou.load.model import Child, Repository, Settings
from liushou.terms import Term

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN = re.compile(r"\{\{|\{%|\{#")
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")

# ---------------------------------------------------------------------------- inspecting templates


def template_variables(path: Path) -> set[str]:
    """The top-level variables a Word template uses without defining them.

    Raises:
        jinja2.TemplateSyntaxError: the tags do not parse.
        ValueError: the file is not a Word document.
    """
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(str(path))
        template.init_docx()
    except Exception:
        raise ValueError(f"{path.name} 不是有效的 Word（.docx）文件") from None
    return set(template.get_undeclared_template_variables(jinja_env=docx_environment(None)))


def split_tags(path: Path) -> list[str]:
    """Paragraphs of a Word template whose Jinja tags Word split across runs, or left unclosed.

    Word splits a tag when part of it was typed, pasted or spell-checked separately; docxtpl
    mends many such splits, but not all, and the formatting of the pieces is lost. Retyping the
    tag in one go fixes it.

    Returns:
        The text of each such paragraph, in document order (body, then headers and footers).

    Raises:
        ValueError: the file is not a Word document.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if _TEXT_PARTS.fullmatch(n))
            names.sort(key=lambda n: n != "word/document.xml")
            parts = [archive.read(n) for n in names]
    except (OSError, zipfile.BadZipFile):
        raise ValueError(f"{path.name} 不是有效的 Word（.docx）文件") from None
    found = []
    for data in parts:
        root = etree.fromstring(data)
        for paragraph in root.iter(_w("p")):
            pieces = []
            for run in paragraph.iter(_w("r")):
                if _paragraph_of(run) is paragraph:
                    pieces.append("".join(t.text or "" for t in run.iter(_w("t"))))
            text = "".join(pieces)
            if "{" in text and _is_split(pieces, text):
                found.append(text)
    return found


def _paragraph_of(element):
    parent = element.getparent()
    while parent is not None and parent.tag != _w("p"):
        parent = parent.getparent()
    return parent


def _is_split(pieces: list[str], text: str) -> bool:
    ends, position = [], 0
    for piece in pieces:
        position += len(piece)
        ends.append(position)

    def run_at(offset: int) -> int:
        return next(i for i, end in enumerate(ends) if offset < end)

    for match in _TAG.finditer(text):
        if run_at(match.start()) != run_at(match.end() - 1):
            return True
    return bool(_OPEN.search(_TAG.sub("", text)))


# ---------------------------------------------------------------------------- checking templates

REPORT_TEMPLATES = ("工作总结.md.j2", SUMMARY_DOCX)
PLAN_TEMPLATES = ("工作计划.md.j2", PLAN_DOCX)


@dataclass
class TemplateCheck:
    """What `liushou templates check` found in one template."""

    name: str
    path: Path
    builtin: bool
    problems: list[str] = field(default_factory=list)


def check_templates(root: Path, settings: Settings) -> list[TemplateCheck]:
    """Check the report and plan templates the engine would use for this repository.

    Each template (the school's own in root/templates/, else the built-in one) is checked for
    variables the engine does not supply, for Jinja tags Word split across runs, and by a trial
    render with made-up figures (which finds misspelt attributes such as `term.titel`).

    Returns:
        One TemplateCheck per template, in a fixed order.
    """
    term = Term("2015-autumn", dt.date(2015, 9, 1), dt.date(2016, 1, 31))
    figures, repo = sample_figures(settings, term)
    contexts = {
        name: report_context(figures, settings, with_names=True, repo=repo, internal=True)
        for name in REPORT_TEMPLATES
    }
    contexts |= {name: plan_context(term, settings) for name in PLAN_TEMPLATES}
    charts = {"standards": _tiny_png(), "guardianship": _tiny_png()}
    results = []
    for name, context in contexts.items():
        path = template_path(name, root)
        check = TemplateCheck(name, path, builtin=path.parent != root / "templates")
        is_docx = name.endswith(".docx")
        known = set(context) | ({"charts"} if is_docx else set())
        try:
            used = template_variables(path) if is_docx else _markdown_variables(path)
        except ValueError as exc:
            check.problems.append(str(exc))
        except jinja2.TemplateSyntaxError as exc:
            check.problems.append(
                f"第 {exc.lineno} 行语法错误：{exc.message}"
                if not is_docx
                else f"语法错误：{exc.message}"
            )
        else:
            unknown = sorted(used - known)
            if unknown:
                check.problems.append(f"使用了引擎不提供的变量：{'、'.join(unknown)}")
        if is_docx:
            try:
                split = split_tags(path)
            except ValueError:
                split = []  # already reported as not a Word file
            check.problems += [f"标签被 Word 拆开或没有闭合：“{text}”" for text in split]
        if not check.problems:
            try:
                if is_docx:
                    render_docx(name, context, root, charts if name == SUMMARY_DOCX else None)
                else:
                    render_markdown(name, context, root)
            except RenderError as exc:
                check.problems.append(f"试渲染出错：{exc}")
        results.append(check)
    return results


def _markdown_variables(path: Path) -> set[str]:
    from jinja2 import meta

    env = environment(None)
    return set(meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8"))))


def sample_figures(settings: Settings, term: Term) -> tuple[TermFigures, Repository]:
    """Figures for trial renders, computed by the real engine from a made-up school.

    Two children (one archive-incomplete, one who transferred out), a talk, a late incident, an
    activity, aid and a dropout with a return effort give every section of the templates
    something to show, so a misspelt attribute fails here as it would in a real report.
    """
    staff = settings.staff[0] if settings.staff else "示例教师"
    start = term.start

    def child(cid: str, **extra) -> Child:
        record = {
            "id": cid,
            "name": f"示例{cid[-1]}",
            "gender": "男",
            "birth_date": dt.date(start.year - 9, 3, 1),
            "grade": 3,
            "class": 1,
            "enrolled_on": dt.date(start.year - 3, 9, 1),
            "status": "在校",
            "left_behind": {"type": "父母均外出"},
            "guardianship": "隔代监护",
            "care": {"mentor": staff, "focus": True, "plan": "每周谈心"},
            **extra,
        }
        return Child(cid, f"children/{cid}.yaml", record)

    left = start + dt.timedelta(days=40)
    children = {
        "s1": child("s1"),
        "s2": child("s2", status="转出", status_date=left, guardianship="无人监护"),
        "s3": child("s3", status="辍学", status_date=left),
    }
    day = start + dt.timedelta(days=10)
    logs = {
        "talks": f"date,child_id,staff\n{day},s1,{staff}\n",
        "visits": f"date,child_id,staff\n{day},s1,{staff}\n",
        "contacts": f"date,child_id,staff,with,channel\n{day},s1,{staff},父母,电话\n",
        "activities": f"date,title,kind,participants\n{day},示例活动,主题班会,全体\n",
        "health": f"date,child_id,kind\n{day},s1,体检\n",
        "aid": f"date,child_id,kind,amount\n{day},s1,助学金,500\n",
        "trainings": f"date,child_id,topic\n{day},s1,家庭教育\n",
        "incidents": "occurred_at,child_id,summary,kind,guardian_notified_at\n"
        f"{day} 08:00,s1,示例,走失,{day} 09:00\n",
        "returns": f"date,child_id,staff,action\n{left + dt.timedelta(days=5)},s3,{staff},电话劝返\n",
    }
    frames = {
        name: read_log(text.encode("utf-8"), name, f"logs/{name}.csv").frame
        for name, text in logs.items()
    }
    repo = Repository(
        Path("."), settings, children, {k: v for k, v in frames.items() if v is not None}
    )
    return compute(repo, term, term.end + dt.timedelta(days=30)), repo


def _tiny_png() -> bytes:
    """A 1×1 white PNG: trial renders need an image, not a chart."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )
