"""Render the sample PDFs from `samples/source/` (reportlab), recording where every value lands.

    python -m samples.render --out samples/pdfs [--truth samples/truth]

Output is reproducible byte for byte (reportlab's invariant mode, fixed metadata). The placements
returned by `render_document` are what `samples.truth` turns into ground truth.
"""
from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from reportlab.lib.colors import HexColor

from samples.blocks import draw_matrix, draw_record, draw_table
from samples.layout import LayoutParams, PageStyle, Placement, Writer

SOURCE_DIR = Path(__file__).parent / "source"
DOCS = ("vp", "vb")
# reports are set in a larger type than the dense appendix tables and spreadsheet prints
DEFAULT_FONT_SCALE = {"report": 1.3, "tjansteutlatande": 1.0, "sheet": 1.0}


@dataclass
class Section:
    """One section file of the source."""

    name: str
    data: dict


@dataclass
class RenderedDocument:
    """A rendered PDF with the placements of everything drawn and the page of each section."""

    key: str
    path: Path
    meta: dict
    sections: list[Section]
    placements: list[Placement]
    section_pages: dict[str, tuple[int, int]]
    page_count: int
    page_labels: dict[int, str]


def load_yaml(text: str):
    """Safe YAML loading, with libyaml's C loader when present (same result, ~10× faster on the sources)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_document_source(doc: str, source_dir: Path = SOURCE_DIR) -> tuple[dict, list[Section]]:
    """The document's metadata (document.yaml) and its section files in print order."""
    folder = source_dir / doc
    meta = load_yaml((folder / "document.yaml").read_text(encoding="utf-8"))
    sections = []
    for path in sorted(folder.glob("[0-9]*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        sections.append(Section(path.stem, data))
    return meta, sections


def render_document(doc: str, out_pdf: Path, params: LayoutParams | None = None,
                    meta: dict | None = None, sections: list[Section] | None = None) -> RenderedDocument:
    """Draw one document; `meta`/`sections` may be given (variants) instead of loaded from source."""
    params = params or LayoutParams()
    if meta is None or sections is None:
        meta, sections = load_document_source(doc)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    w = Writer(out_pdf, params, meta["title"], doc)
    w.canvas.setSubject(f"{meta['doc_type']} {meta['year']}")
    section_pages: dict[str, tuple[int, int]] = {}
    for section in sections:
        data = section.data
        style = PageStyle(kind=data.get("page_style", "report"), orientation=data.get("orientation", "portrait"))
        if w.page_open:
            w.end_page()
        w.style = style
        scale = float(data.get("font_scale") or DEFAULT_FONT_SCALE.get(style.kind, 1.0))
        w.params = replace(params, size=round(params.size * scale, 2), table_size=round(params.table_size * min(scale, 1.1), 2))
        w.column_fraction = 0.68 if data.get("column") == "narrow" else 1.0
        w.begin_page()
        first = w.page_no
        for bi, block in enumerate(data.get("blocks") or []):
            draw_block(w, block, (section.name, bi))
        if w.pristine and w.page_open:
            # nothing was drawn after the last break: drop the empty page
            w.page_no -= 1
            w.page_open = False
        section_pages[section.name] = (first, max(first, w.page_no))
    w.finish()
    return RenderedDocument(doc, out_pdf, meta, sections, w.placements, section_pages, w.page_no, w.page_labels)


def draw_block(w: Writer, block: dict, key: tuple) -> None:
    """Dispatch one source block to its drawing function."""
    if not isinstance(block, dict):
        w.paragraph(str(block), key=("paragraph", *key))
        return
    if "heading" in block:
        w.heading(str(block["heading"]), int(block.get("level", 1) or 1), key=("heading", *key))
    elif "paragraph" in block:
        w.paragraph(str(block["paragraph"]), key=("paragraph", *key))
    elif "bullets" in block:
        for i, item in enumerate(block["bullets"] or []):
            w.paragraph(str(item), key=("bullet", *key, i), bullet=True)
    elif block.get("page_break"):
        w.page_break(block.get("page_label"))
    elif "footer" in block:
        w.footer_text = str(block["footer"])
    elif "table" in block:
        draw_table(w, block["table"], f"{key[0]}:{key[1]}")
    elif "matrix" in block:
        draw_matrix(w, block["matrix"], f"{key[0]}:{key[1]}")
    elif "record" in block:
        draw_record(w, block["record"], key)
    elif "figure" in block:
        # a graphic whose text is not in the seed: an empty grey panel where the chart was
        w.need(130)
        w.fill_rect(w.left, w.y, w.right, w.y + 120, HexColor("#E6E9EE"))
        w.pristine = False
        w.y += 128
    elif "page_header" in block:  # a running header that only this page carries
        ph = block["page_header"] or {}
        size = w.params.size
        if ph.get("left"):
            w._text(w.left, w.y, str(ph["left"]), w.font, size, key=("page_header_block", *key, "left"))
        if ph.get("right"):
            w._text(w.right, w.y, str(ph["right"]), w.font, size, key=("page_header_block", *key, "right"), align="right")
        if ph.get("page_number"):
            w._text(w.right, w.y + size * 1.3, str(ph["page_number"]), w.font, size,
                    key=("page_header_block", *key, "page_number"), align="right")
        w.y += size * 3
    elif "caption" in block:
        w.paragraph(str(block["caption"]), key=("caption", *key))
    elif "footnote" in block:
        w.paragraph(str(block["footnote"]), key=("footnote", *key))
    else:  # a block kind the renderer does not know: print its text rather than drop it
        for k, v in block.items():
            if isinstance(v, str) and v.strip():
                w.paragraph(v, key=("other", *key, k))


def render_all(out_dir: Path, params: LayoutParams | None = None) -> list[RenderedDocument]:
    out = []
    for doc in DOCS:
        meta, sections = load_document_source(doc)
        out.append(render_document(doc, out_dir / meta["file_name"], params, meta, sections))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "pdfs")
    ap.add_argument("--truth", type=Path, default=None, help="also write ground truth JSON here")
    args = ap.parse_args(argv)
    docs = render_all(args.out)
    for d in docs:
        print(f"{d.path}: {d.page_count} pages")
    if args.truth:
        from samples.truth import write_all

        write_all(docs, args.truth)


if __name__ == "__main__":
    main()
