"""Every PDF of the product: one renderer (xhtml2pdf), one embedded CJK font.

The font is registered with ReportLab once per process, so no render reads a font
file, and each render runs under a resource policy that allows no network access
and no local files outside the app's static folder: nothing that user-entered text
could name is ever fetched.
"""
import io
import re
from functools import cache
from pathlib import Path

from flask import Response, current_app, render_template
from flask_babel import gettext as _
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from .formatting import content_disposition

FONT_FAMILY = "cjk"  # what the PDF templates' CSS names
_FONT_NAME = "BackofficeCJK"
# TrueType only: ReportLab refuses the CFF-flavoured .otf of Noto/Source Han.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


class FontMissing(RuntimeError):
    """No TrueType font with Chinese glyphs was found: PDFs would print boxes."""


def find_font(configured: str | None = None) -> Path:
    """The CJK TrueType font to embed: PDF_FONT_PATH, else the first one installed."""
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        _(
            "No Chinese TrueType font was found, so PDFs cannot be made. Install one "
            "(Debian: apt-get install fonts-wqy-microhei) or set PDF_FONT_PATH."
        )
    )


@cache
def _register_font(path: Path) -> None:
    """Once per process: ReportLab loads the font, xhtml2pdf learns its family name."""
    pdfmetrics.registerFont(TTFont(_FONT_NAME, str(path), subfontIndex=0))
    for bold in (0, 1):
        for italic in (0, 1):  # no separate faces: bold and italic use the same glyphs
            addMapping(_FONT_NAME, bold, italic, _FONT_NAME)
    xhtml2pdf_default.DEFAULT_FONT[FONT_FAMILY] = _FONT_NAME


# What the font has no glyph for (emoji pasted from WeChat, a rare character) would
# vanish from the PDF without a trace: it prints as Unicode's replacement character
# instead (not □: the sheets print unticked boxes so). Emoji's presentation selectors
# print as nothing, as on a screen.
MISSING_GLYPH = "\ufffd"
_INVISIBLE = {0xFE0E, 0xFE0F}
_BEYOND_LATIN = re.compile(r"[^\x00-\u024f]")


@cache
def _glyphs(font_name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def printable(html: str) -> str:
    """`html` with every character the font cannot print as MISSING_GLYPH."""
    glyphs = _glyphs(_FONT_NAME)

    def shown(match: re.Match) -> str:
        code = ord(match[0])
        if code in glyphs:
            return match[0]
        return "" if code in _INVISIBLE else MISSING_GLYPH

    return _BEYOND_LATIN.sub(shown, html)


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template (HTML + CSS for xhtml2pdf) to PDF bytes."""
    _register_font(find_font(current_app.config.get("PDF_FONT_PATH")))
    html = printable(render_template(template, **context))
    policy = ResourceAccessPolicy.server(
        base_dir=current_app.static_folder, allow_remote=False, max_render_seconds=30
    )
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise RuntimeError(f"xhtml2pdf could not render {template}")
    return out.getvalue()


def pdf_response(data: bytes, filename: str) -> Response:
    """The PDF, shown in the browser, saved under its (Chinese) file name."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": content_disposition(filename, inline=True)},
    )
