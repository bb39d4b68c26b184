"""Render the Word and Excel documents to PDF with LibreOffice, as a school would print them.

Skipped where LibreOffice (soffice) is not installed; tests/render_helper.sh does the same by
hand and also writes PNG pages to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from liushou.api import load, term_figures
from liushou.documents.docx_render import plan_docx, report_docx
from liushou.documents.planning import carried_shortfalls, next_term
from liushou.documents.roster import card_docx, roster_rows, roster_xlsx
from liushou.terms import term_for

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui "
    "libreoffice-calc-nogui fonts-noto-cjk poppler-utils",
)


def documents(folder: Path) -> dict[str, Path]:
    """Write the summary, the next plan, a card and the roster of the example into `folder`."""
    repo, _ = load(EXAMPLE, use_cache=False)
    figures = term_figures(repo, term_for("2015-autumn", repo.settings), dt.date(2016, 3, 1))
    day = dt.date(2016, 1, 25)
    term = next_term(day, repo.settings)
    child = repo.children["yl-2013-0203"]
    data = {
        "summary.docx": report_docx(figures, repo.settings, repo.root, repo=repo),
        "plan.docx": plan_docx(
            term, repo.settings, repo.root, carried_shortfalls(repo, term, day), day
        ),
        "card.docx": card_docx([child], repo.settings),
        "cards.docx": card_docx(
            [repo.children[c] for c in ("yl-2013-0210", "yl-2013-0222", "yl-2013-0203")],
            repo.settings,
        ),
        "roster.xlsx": roster_xlsx(roster_rows(repo, today=day), "杨柳镇中心小学留守儿童花名册"),
    }
    paths = {}
    for name, content in data.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


def to_pdf(paths: list[Path], folder: Path) -> None:
    # A private profile: a user's running LibreOffice or its settings never interfere.
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(folder)},
    )


def pdf_pages(path: Path) -> int | None:
    """The page count from poppler's pdfinfo, or None without it."""
    if not shutil.which("pdfinfo"):
        return None
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_text(path: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return result.stdout


def test_documents_render_to_pdf(tmp_path):
    paths = documents(tmp_path)
    to_pdf(list(paths.values()), tmp_path)
    pdfs = {name: tmp_path / (Path(name).stem + ".pdf") for name in paths}
    for name, pdf in pdfs.items():
        assert pdf.is_file() and pdf.stat().st_size > 1000, name
    if pdf_pages(pdfs["card.docx"]) is not None:
        assert pdf_pages(pdfs["card.docx"]) == 1  # one card, one sheet of paper
        assert pdf_pages(pdfs["cards.docx"]) == 3  # no blank page between two cards
        assert 4 <= pdf_pages(pdfs["summary.docx"]) <= 14
    text = pdf_text(pdfs["summary.docx"])
    if text is not None:
        squeezed = "".join(text.split())
        assert "关爱留守儿童工作总结" in squeezed and "做到“五清楚”" in squeezed
        assert "三、存在的问题" in squeezed
