"""What checks read (documents as tables of rows) and what they write (findings with evidence).

Rows are plain dicts in the shape of the warehouse contract, plus `page`, `bbox` and `_prov`
({field: {page, bbox, printed}}). Both an extraction and a truth file convert to this shape, so the same
rules run on what we extracted and, for measurement, on ground truth with planted errors.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from parsers import ParseError, parse_number

SEVERITIES = ("error", "warning", "minor", "info")  # most severe first

@dataclass(frozen=True)
class Evidence:
    """One printed figure a finding rests on."""

    doc: str
    field: str
    page: int | None
    bbox: tuple | None
    printed: str | None

    def as_json(self) -> dict:
        return {"doc_id": self.doc, "field": self.field, "page": self.page,
                "bbox": list(self.bbox) if self.bbox else None, "printed": self.printed}


@dataclass(frozen=True)
class Finding:
    """An inconsistency or rule breach, stable across runs for the same issue."""

    rule_id: str
    severity: str  # error | warning | minor | info
    doc: str  # the document's identity (type-year-committee), not its bytes: ids survive republishing
    entity: str
    entity_key: str
    expected: str
    actual: str
    tolerance: str
    message: str  # Swedish, plain words
    evidence: tuple[Evidence, ...] = ()
    other_doc: str | None = None

    @property
    def finding_id(self) -> str:
        raw = "|".join([self.rule_id, self.doc, self.other_doc or "", self.entity, self.entity_key])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass
class DocData:
    """One document's tables for the checks."""

    key: str  # e.g. "VP-2022-Arbetsmarknadsnämnden"
    doc_type: str | None
    year: int | None
    committee: str | None
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def rows(self, entity: str) -> list[dict]:
        return self.tables.get(entity, [])


def doc_key(doc_type: str | None, year: int | None, committee: str | None) -> str:
    return f"{doc_type or '?'}-{year or '?'}-{committee or '?'}"


def evidence(doc: DocData, row: dict, field_name: str) -> Evidence:
    """The printed figure behind `field_name` of a row: its own provenance, else the row's only one (a table
    figure row), else the row's `<field>_printed` string."""
    provs = row.get("_prov") or {}
    prov = provs.get(field_name) or (next(iter(provs.values())) if len(provs) == 1 else {}) or {}
    if not prov and row.get(f"{field_name}_printed") is not None:
        prov = {"printed": row[f"{field_name}_printed"]}
    if not prov and field_name == "value":
        prov = provs.get("printed") or ({"printed": row["printed"]} if row.get("printed") is not None else {})
    bbox = prov.get("bbox") or row.get("bbox")
    return Evidence(doc.key, field_name, prov.get("page", row.get("page")), tuple(bbox) if bbox else None,
                    prov.get("printed", None if row.get(field_name) is None else str(row.get(field_name))))


def number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def printed_number(printed: str | None) -> tuple[Decimal, int] | None:
    """(value, decimals) of a printed Swedish figure, or None when it is not a plain number."""
    if not printed:
        return None
    try:
        p = parse_number(str(printed).strip())
    except ParseError:
        return None
    return p.value, p.decimals


def key_text(value: Any) -> str:
    return re.sub(r"[^0-9a-zåäöéü]", "", str(value or "").lower())


# ----- adapters ------------------------------------------------------------------------------------

def doc_from_truth(truth: dict) -> DocData:
    """A truth file as check input (rows keep their printed strings and boxes)."""
    d = truth["document"]
    out = DocData(doc_key(d.get("doc_type"), d.get("year"), d.get("committee")), d.get("doc_type"), d.get("year"),
                  d.get("committee"))
    for entity, rows in truth["tables"].items():
        conv = []
        for r in rows:
            row = {k: v for k, v in r.items() if not k.startswith("_")}
            prov = dict(r.get("_provenance") or {})
            if "value_printed" in r and r.get("bbox"):
                prov.setdefault("value", {"page": r.get("page"), "bbox": r.get("bbox"), "printed": r["value_printed"]})
            row["_prov"] = prov
            conv.append(row)
        out.tables[entity] = conv
    if truth.get("risk_matrix_total"):
        t = truth["risk_matrix_total"]
        m = re.search(r"\d+", t.get("printed", ""))
        out.tables["risk_matrix_totals"] = [{"printed": t.get("printed"), "total": int(m.group(0)) if m else None,
                                             "page": t.get("page"), "bbox": t.get("bbox"),
                                             "_prov": {"total": {"page": t.get("page"), "bbox": t.get("bbox"),
                                                                 "printed": t.get("printed")}}}]
    return out


def check_row(values: dict[str, Any], prov: dict[str, dict]) -> dict:
    """A record's values (with `page` and `bbox`) and its provenance as one check row; a table figure's
    `value` is printed where its row is (extraction and the warehouse both read through here)."""
    row = {**values, "_prov": dict(prov)}
    if "value_printed" in row:
        row["_prov"].setdefault("value", {"page": row.get("page"), "bbox": row.get("bbox"),
                                          "printed": row["value_printed"]})
    return row


def doc_from_extraction(doc) -> DocData:
    """A pipeline.extract.DocumentExtraction as check input."""
    info = doc.info
    out = DocData(doc_key(info.doc_type, info.year, info.committee), info.doc_type, info.year, info.committee)
    for rec in doc.records:
        row = check_row({**rec.values(), "page": rec.page, "bbox": rec.bbox},
                        {k: {"page": p.page, "bbox": p.bbox, "printed": p.printed} for k, p in rec.provenance.items()})
        out.tables.setdefault(rec.ENTITY, []).append(row)
    return out


def all_rows(docs: Iterable[DocData], entity: str) -> Iterable[tuple[DocData, dict]]:
    for d in docs:
        for r in d.rows(entity):
            yield d, r
