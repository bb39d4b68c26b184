#!/bin/sh
# Render the example's summary, next plan, a contact card and the roster to PDF and PNG pages,
# to look at them as a school would print them. Needs LibreOffice, a CJK font and poppler:
#   apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils
# Usage: tests/render_helper.sh [OUTPUT_FOLDER]   (default: ./rendered)
set -eu
out="${1:-rendered}"
mkdir -p "$out"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
python - "$out" <<'PY'
import sys
from pathlib import Path
from tests.test_pdf_render import documents
for path in documents(Path(sys.argv[1])).values():
    print(path)
PY
soffice --headless --convert-to pdf --outdir "$out" "$out"/summary.docx "$out"/plan.docx \
    "$out"/card.docx "$out"/roster.xlsx >/dev/null
for pdf in "$out"/*.pdf; do
    pdftoppm -r 60 -png "$pdf" "${pdf%.pdf}"
done
ls "$out"
