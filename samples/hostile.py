"""Generators of bad and hostile PDFs, for the hostile-input tests and the benchmarks.

Every generator returns the file's bytes (deterministic: the same arguments give the same bytes), so
tests write them under their own tmp folders and nothing is committed. `HOSTILE` names the cases the
pipeline must record with a clear reason while the rest of a run goes on.
"""
from __future__ import annotations

import io
import random
import zlib
from typing import Callable

# ----- building PDFs by hand: structure that no well-behaved producer writes ------------------------------


def build_pdf(objects: list[bytes], root: int = 1, info: int | None = None) -> bytes:
    """A PDF 1.7 file from object bodies (object i+1 is `objects[i]`), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, root)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    """A stream object body, Flate-compressed when asked."""
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page_pdf(content: bytes, page_extra: bytes = b"", compress: bool = False) -> bytes:
    """One A4 page drawing `content` (a content stream) in Helvetica; `page_extra` goes into the page dict."""
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R" + page_extra + b" >>",
        FONT,
        stream(content, compress=compress),
    ])


def text_ops(lines: list[str], y: int = 800) -> bytes:
    """Content-stream operators drawing `lines` top-down (Latin-1 text, parentheses escaped)."""
    ops = [b"BT /F1 11 Tf"]
    for i, line in enumerate(lines):
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace")
        ops.append(b"1 0 0 1 72 %d Tm (%s) Tj" % (y - 14 * i, esc))
    ops.append(b"ET")
    return b"\n".join(ops)


# ----- the cases ------------------------------------------------------------------------------------------


def text_pdf(lines: list[str] | None = None, pages: int = 1) -> bytes:
    """A small, good PDF with a text layer (reportlab), the baseline the bad ones are made from."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    for p in range(pages):
        y = 800
        for line in lines or [f"Verksamhetsplan 2022, sida {p + 1}"]:
            c.drawString(72, y, line)
            y -= 14
        c.showPage()
    c.save()
    return buf.getvalue()


def corrupt_pdf(seed: int = 0) -> bytes:
    """A PDF header followed by random bytes: no objects, no xref, nothing to recover."""
    rnd = random.Random(seed)
    return b"%PDF-1.7\n" + bytes(rnd.randrange(256) for _ in range(4096))


def scrambled_pdf(seed: int = 0, share: float = 0.3) -> bytes:
    """A good PDF with a run of its middle bytes overwritten by noise (a damaged download)."""
    data = bytearray(text_pdf(["Verksamhetsberättelse 2022"], pages=2))
    rnd = random.Random(seed)
    start, n = len(data) // 4, int(len(data) * share)
    data[start:start + n] = bytes(rnd.randrange(256) for _ in range(n))
    return bytes(data)


def truncated_pdf(keep: float = 0.4) -> bytes:
    """A good PDF cut off part way (an interrupted download): no xref, no trailer, no %%EOF."""
    data = text_pdf(["Verksamhetsplan 2022"], pages=3)
    return data[: int(len(data) * keep)]


def encrypted_pdf(user_password: str = "hemligt") -> bytes:
    """A PDF that needs a user password to open (AES-256)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["Konfidentiellt"]))))
    writer.encrypt(user_password=user_password, owner_password=user_password + "-owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def image_only_pdf(pages: int = 2) -> bytes:
    """A 'scanned' document: every page is one image of text, no text layer (needs OCR)."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    img = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(img).text((20, 80), "Verksamhetsplan 2022 (skannad)", fill=0)
    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    for _ in range(pages):
        c.drawImage(ImageReader(img), 50, 500, width=500, height=167)
        c.showPage()
    c.save()
    return buf.getvalue()


def zero_pages_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def not_pdf() -> bytes:
    """A PNG image saved under a .pdf name."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


def html_error_page() -> bytes:
    """What a web server sends instead of the document: an HTML error page (served as 200 or 404)."""
    return (b"<!DOCTYPE html>\n<html lang=\"sv\"><head><title>404 - Sidan kunde inte hittas</title></head>\n"
            b"<body><h1>Sidan kunde inte hittas</h1><p>Dokumentet har flyttats.</p></body></html>\n")


def large_pdf(pages: int = 500) -> bytes:
    """A long but honest document: `pages` simple text pages (built by hand: about 1 ms a page)."""
    kids, objects = [], [b"<< /Type /Catalog /Pages 2 0 R >>", b"", FONT]
    for p in range(pages):
        page_no, content_no = len(objects) + 1, len(objects) + 2
        kids.append(b"%d 0 R" % page_no)
        lines = [f"Verksamhetsplan 2022 - bilaga, sida {p + 1} av {pages}"] + [
            f"Rad {i}: kostnader {1000 + 7 * i + p} tkr, intakter {-(500 + 3 * i)} tkr" for i in range(40)]
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % content_no)
        objects.append(stream(text_ops(lines), compress=True))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    return build_pdf(objects)


def deeply_nested_pdf(depth: int = 100_000) -> bytes:
    """A page whose dictionary holds an array nested `depth` levels deep (parser recursion bombs)."""
    nested = b"[" * depth + b"1" + b"]" * depth
    return one_page_pdf(text_ops(["Djupt nastlad struktur"]), page_extra=b" /Junk " + nested)


def huge_array_pdf(items: int = 2_000_000) -> bytes:
    """A page dictionary carrying one array of `items` numbers (a huge object)."""
    return one_page_pdf(text_ops(["Enormt objekt"]), page_extra=b" /Junk [" + b"0 " * items + b"]")


def page_tree_cycle_pdf() -> bytes:
    """A page tree whose node lists itself as its own kid (an infinite loop for a naive walker)."""
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        FONT,
        stream(text_ops(["Cyklisk sidtrad"])),
    ])


def decompression_bomb_pdf(megabytes: int = 300, ascii85: bool = False) -> bytes:
    """A content stream of a few hundred kB that inflates to `megabytes` MB of spaces (a memory bomb);
    `ascii85` wraps it in an ASCII85 layer, as reportlab writes its streams."""
    import base64

    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = comp.compress(text_ops(["Bomb"]) + b"\n")
    for _ in range(megabytes):
        data += comp.compress(chunk)
    data += comp.flush()
    filters = b"/FlateDecode"
    if ascii85:
        data, filters = base64.a85encode(data, wrapcol=72) + b"~>", b"[/ASCII85Decode /FlateDecode]"
    body = b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        FONT,
        body,
    ])


def script_text_pdf() -> bytes:
    """A real VP-looking page whose text is markup and SQL: must be stored and shown as inert text."""
    return text_pdf([
        "Verksamhetsplan 2022",
        "Arbetsmarknadsnämnden <script>alert('x')</script>",
        "Risk: '); DROP TABLE risks; -- \"quoted\" & <b>bold</b>",
    ])


# the bad inputs a run must record with a reason (name -> generator); the bomb and the 500-page file are
# bigger and are used where a test needs them
HOSTILE: dict[str, Callable[[], bytes]] = {
    "corrupt": corrupt_pdf,
    "scrambled": scrambled_pdf,
    "truncated": truncated_pdf,
    "encrypted": encrypted_pdf,
    "image-only": image_only_pdf,
    "zero-pages": zero_pages_pdf,
    "png-named-pdf": not_pdf,
    "html-error-page": html_error_page,
    "deeply-nested": deeply_nested_pdf,
    "huge-array": huge_array_pdf,
    "page-tree-cycle": page_tree_cycle_pdf,
}
