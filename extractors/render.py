"""Pictures of PDF pages: whole pages and cropped evidence regions with the figures highlighted (pypdfium2)."""
from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from extractors.pdfium_lock import PDFIUM

BBox = tuple[float, float, float, float]  # (x0, top, x1, bottom) in PDF points, origin at the top-left

HIGHLIGHT_RGB = (230, 0, 126)  # magenta outline: absent from the sample documents' palettes
HIGHLIGHT_FILL = (255, 214, 0, 90)  # translucent yellow tint, like a highlighter pen


def render_page_image(pdf_path: Path | str, page_no: int, scale: float = 2.0) -> Image.Image:
    """Page `page_no` (1-based) as an RGB image at `scale` pixels per point (pdfium under its lock, everything it
    allocated freed before the lock is let go)."""
    with PDFIUM:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            if not 1 <= page_no <= len(pdf):
                raise ValueError(f"page {page_no} out of range 1..{len(pdf)} in {pdf_path}")
            page = pdf[page_no - 1]
            try:
                bitmap = page.render(scale=scale)
                try:
                    return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's buffer is freed below
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            pdf.close()


def png_bytes(img: Image.Image) -> bytes:
    """PNG encoding of an image."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def render_page(pdf_path: Path | str, page_no: int, scale: float = 1.5) -> bytes:
    """Page `page_no` (1-based) as PNG bytes."""
    return png_bytes(render_page_image(pdf_path, page_no, scale))


def union_bbox(boxes: list[BBox]) -> BBox:
    """Smallest box that holds all `boxes`."""
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


Margin = float | tuple[float, float]  # the same on every side, or (horizontal, vertical)


def crop_box_px(bbox: BBox, margin_pt: Margin, scale: float, size_px: tuple[int, int]) -> tuple[int, int, int, int]:
    """Pixel box of `bbox` widened by `margin_pt` (all sides, or (horizontal, vertical)), clipped to the page."""
    w, h = size_px
    mx, my = margin_pt if isinstance(margin_pt, tuple) else (margin_pt, margin_pt)
    x0 = max(0, int((bbox[0] - mx) * scale))
    y0 = max(0, int((bbox[1] - my) * scale))
    x1 = min(w, int(round((bbox[2] + mx) * scale)))
    y1 = min(h, int(round((bbox[3] + my) * scale)))
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"bbox {bbox} lies outside the page")
    return x0, y0, x1, y1


def draw_highlights(img: Image.Image, highlights: list[BBox], scale: float, pad_pt: float = 1.5) -> Image.Image:
    """Tint each highlight box yellow and outline it in magenta (boxes in page points)."""
    base = img.convert("RGBA")
    tint = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(tint)
    width = max(2, int(round(scale * 1.2)))
    for b in highlights:
        box = [(b[0] - pad_pt) * scale, (b[1] - pad_pt) * scale, (b[2] + pad_pt) * scale, (b[3] + pad_pt) * scale]
        draw.rectangle(box, fill=HIGHLIGHT_FILL)
    out = Image.alpha_composite(base, tint)
    draw = ImageDraw.Draw(out)
    for b in highlights:
        box = [(b[0] - pad_pt) * scale - width, (b[1] - pad_pt) * scale - width,
               (b[2] + pad_pt) * scale + width, (b[3] + pad_pt) * scale + width]
        draw.rectangle(box, outline=HIGHLIGHT_RGB + (255,), width=width)
    return out.convert("RGB")


def crop_highlighted(page_img: Image.Image, bbox: BBox, highlights: list[BBox] | None = None,
                     margin_pt: Margin = 36, scale: float = 2.0) -> bytes:
    """PNG of region `bbox` (+ `margin_pt`) of an already rendered page image (at `scale`), highlights marked."""
    box = crop_box_px(bbox, margin_pt, scale, page_img.size)
    region = page_img.crop(box)
    shifted = [(h[0] - box[0] / scale, h[1] - box[1] / scale, h[2] - box[0] / scale, h[3] - box[1] / scale)
               for h in (highlights or [])]
    return png_bytes(draw_highlights(region, shifted, scale))


def render_crop(pdf_path: Path | str, page_no: int, bbox: BBox, highlights: list[BBox] | None = None,
                margin_pt: float = 36, scale: float = 2.0) -> bytes:
    """PNG of the region `bbox` (+ `margin_pt`) of page `page_no` (1-based) with `highlights` tinted and outlined."""
    return crop_highlighted(render_page_image(pdf_path, page_no, scale), bbox, highlights, margin_pt, scale)
