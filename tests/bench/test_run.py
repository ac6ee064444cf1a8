"""The benchmark's parts on tiny inputs (the real figures come from `make bench`, see docs/performance.md)."""
from __future__ import annotations

from pathlib import Path

from bench import corpus, run
from samples.hostile import large_pdf, text_pdf

def test_corpus_is_excerpts_of_the_variants_with_their_own_bytes(tmp_path: Path, monkeypatch):
    sources = []
    for i in range(2):
        p = tmp_path / f"variant-{i}.pdf"
        p.write_bytes(large_pdf(pages=20 + i))
        sources.append(p)
    monkeypatch.setattr(corpus, "rendered_variants", lambda seeds, cache: sources)
    docs = corpus.build_corpus(docs=6, seeds=2, pages=(2, 4), cache=tmp_path / "cache")
    assert len(docs) == 6 and len({d.read_bytes() for d in docs}) == 6
    assert all(2 <= run.page_count(d) <= 4 for d in docs)
    assert corpus.build_corpus(docs=6, seeds=2, pages=(2, 4), cache=tmp_path / "cache") == docs  # cached


def test_pipeline_figures_and_targets(tmp_path: Path, capsys):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(text_pdf(["Verksamhetsplan 2022"], pages=2))
    base = run.bench_baselines([pdf], with_camelot=False, rounds=2)
    assert base["floor"] > 0 and base["pdfplumber"] > 0
    targets = run.bench_pipeline([pdf], tmp_path, base, with_camelot=False, rounds=2)
    out = capsys.readouterr().out
    assert "1. pipeline / pdfplumber extract_tables = " in out and "2. unchanged re-run" in out
    assert "chars; median of 2)" in out and "pipeline cold: " in out and "; median of " in out
    assert "(1 unchanged" in out  # the re-run saw the last cold run's warehouse
    assert [t.name[:2] for t in targets] == ["1.", "1.", "2."]


def test_throughput_rounds_print_rates_phases_and_the_machines_own_speed_up(tmp_path: Path, capsys):
    docs = []
    for i in range(2):
        docs.append(tmp_path / f"d{i}.pdf")
        docs[-1].write_bytes(text_pdf([f"Verksamhetsplan 202{i}"], pages=2))
    [target] = run.bench_throughput(docs, tmp_path, rounds=1, spin_seconds=0.05)
    out = capsys.readouterr().out
    assert "round 1, 1 worker(s)" in out and "round 1, 2 worker(s)" in out and "plan " in out and "load " in out
    assert "3. throughput: " in out and "the machine's own speed-up" in out
    assert target.name.startswith("3.") and "machine" in target.figure


def test_the_throughput_corpus_is_excerpts_or_whole_documents(monkeypatch):
    asked = []
    monkeypatch.setattr(corpus, "rendered_variants", lambda seeds: asked.append(seeds) or [Path("v.pdf")] * 2 * len(seeds))
    monkeypatch.setattr(corpus, "build_corpus", lambda docs, seeds: [Path(f"d{i}.pdf") for i in range(docs)])
    whole, what = run.throughput_corpus(200, 10, whole=True)
    assert len(whole) == 200 and asked == [range(1, 101)] and "layout variants 1–100" in what
    cut, what = run.throughput_corpus(200, 10, whole=False)
    assert len(cut) == 200 and what == "200 documents cut from 10 layout variants"
