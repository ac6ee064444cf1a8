import pytest

from parsers import (ParseError, join_wrapped, parse_goal_code, parse_in_control_plan, parse_scale,
                     parse_traffic_light, parse_yes_no, project_key, repair_lines)
from parsers.text import join_at_space, join_prose_lines


def test_scale_with_label():
    s = parse_scale("2. Mindre sannolikt", "probability")
    assert (s.value, s.label, s.label_matches) == (2, "Mindre sannolikt", True)
    s = parse_scale("4. Kännbar", "consequence")
    assert s.value == 4 and s.label_matches is False  # 4 is Allvarlig: the print contradicts itself
    assert parse_scale("5", "consequence").label_matches is None
    assert parse_scale("Mycket allvarlig", "consequence").value == 5
    with pytest.raises(ParseError):
        parse_scale("7. Enorm", "probability")


def test_goal_code():
    assert parse_goal_code("3.1. Stockholm har en budget i balans") == ("3.1", "Stockholm har en budget i balans")
    assert parse_goal_code("1.1 I Stockholm är") == ("1.1", "I Stockholm är")
    with pytest.raises(ParseError):
        parse_goal_code("Stockholm")


def test_yes_no_and_ikp():
    assert parse_yes_no("Ja") is True and parse_yes_no("nej.") is False
    with pytest.raises(ParseError):
        parse_yes_no("Delvis")
    assert parse_in_control_plan("") is True and parse_in_control_plan("Nej, endast VoR") is False


def test_traffic_lights():
    assert [parse_traffic_light(x) for x in ("Grön", "gult", "Rött")] == ["green", "yellow", "red"]


@pytest.mark.parametrize("a,b,out", [
    ("flyktingmottagand", "e)", "flyktingmottagande)"),
    ("IT-", "resurser", "IT-resurser"),
    ("kompetensförsörjnings-", "och jobbrotationsprojekt", "kompetensförsörjnings- och jobbrotationsprojekt"),
    ("Samhällsväglednin", "g", "Samhällsvägledning"),
    ("informationssäkerh", "et", "informationssäkerhet"),
    ("Mänskliga faktorn gör att", "antagningen", "Mänskliga faktorn gör att antagningen"),
    ("Styra, ge stöd och", "kontrollera", "Styra, ge stöd och kontrollera"),
    ("kunskap av", "informationshantering", "kunskap av informationshantering"),
    ("incidentrapportering", "och rutiner", "incidentrapportering och rutiner"),
    ("2022-02-01 -", "2026-01-31", "2022-02-01 - 2026-01-31"),
    # a lone letter that is no Swedish word ends a cut word (held-out variants 41, 47: a KAA header)
    ("Avslutad", "e", "Avslutade"),
    ("människor som bor", "i Stockholm", "människor som bor i Stockholm"),
    ("enligt punkt", "a) ovan", "enligt punkt a) ovan"),
    # a line that starts with closing punctuation was cut before it (held-out seed 529: an account name)
    ("Böcker,tidning,tidskrift,facklitt,elektron", ".", "Böcker,tidning,tidskrift,facklitt,elektron."),
    ("(personalförsäkring", "), resor", "(personalförsäkring), resor"),
])
def test_join_wrapped(a, b, out):
    assert join_wrapped(a, b) == out


def test_join_prose_lines_keeps_words_a_line_break_separates():
    assert join_prose_lines(["(kostnad utan", "personalförsäkring (PF))"]) == "(kostnad utan personalförsäkring (PF))"
    assert join_prose_lines(["7154 ungdomar (3329 kvinnor och 3825", "män)"]) == "7154 ungdomar (3329 kvinnor och 3825 män)"
    assert join_prose_lines(["IT-", "resurser"]) == "IT-resurser"


def test_a_line_that_starts_with_closing_punctuation_joins_without_a_space_whatever_the_joiner():
    # held-out seed 529: the rule sat in join_wrapped only; a line of several words before it still got a space
    assert join_prose_lines(["Böcker, tidningar, elektron", ". media"]) == "Böcker, tidningar, elektron. media"
    assert join_at_space("(personalförsäkring", "), resor") == "(personalförsäkring), resor"
    assert join_at_space("kostnad", "utan") == "kostnad utan"


def test_repair_lines():
    assert repair_lines(["Beviljade medel", "(flyktingmottagand", "e)"]) == "Beviljade medel (flyktingmottagande)"


def test_project_key_links_names():
    a = project_key("Utvecklingsplattform för kombinationsutbildningar")
    assert a == project_key("UTVECKLINGSPLATTFORM FÖR KOMBINATIONS-UTBILDNINGAR")
    assert a == project_key("2. Utvecklingsplattform för kombinations utbildningar")
    assert a != project_key("Utvecklingsplattform för yrkesutbildningar")


def test_the_lemma_store_holds_the_table_and_answers_as_the_set_of_lower_cased_forms_lemmas_and_stop_words():
    """The lemma table and the lexicon are answered from an SQLite store instead of a 660 000-entry dict and sets:
    the store must hold exactly the table spacy-lookups-data ships, and the lexicon must answer exactly as the set
    of lower-cased forms, lemmas and stop words would — checked whole on the stored rows, and by asking about a
    sample of forms and lemmas in lower, upper and title case and words whose lower-casing is unusual."""
    import random
    import sqlite3
    from pathlib import Path

    import spacy_lookups_data

    from parsers.text import read_lemma_json, stop_words, swedish_lemma_store, swedish_lemmas, \
        swedish_lexicon

    table = read_lemma_json(Path(spacy_lookups_data.__file__).parent / "data" / "sv_lemma_lookup.json.gz")
    assert len(table) > 600_000  # spacy-lookups-data's Swedish table is installed
    lemmas = frozenset(v.lower() for v in table.values())
    expected = frozenset(w.lower() for w in table) | lemmas | stop_words()
    con = sqlite3.connect(swedish_lemma_store().path)
    try:
        assert dict(con.execute("SELECT form, lemma FROM forms")) == table
        words = dict(con.execute("SELECT word, is_lemma FROM words"))
    finally:
        con.close()
    assert set(words) | stop_words() == expected and {w for w, is_lemma in words.items() if is_lemma} == lemmas
    lexicon, lemma_set, lookup = swedish_lexicon(), swedish_lemmas(), swedish_lemma_store()
    sample = random.Random(7).sample(sorted(set(table) | set(table.values())), 4000)
    probes = set(sample) | set(stop_words()) | {"", "123", "İ", "ǅ", "ẞ", "Straße", "IT-", "xyzzyq"}
    probes |= {f(p) for p in list(probes) for f in (str.lower, str.upper, str.title)}
    assert [p for p in probes if (p in lexicon) != (p in expected)] == []
    assert [p for p in probes if (p in lemma_set) != (p in lemmas)] == []
    assert [p for p in probes if lookup.get(p) != table.get(p)] == []
    assert "ungdomarna" in lexicon and "Ungdomarna" not in lexicon and lookup.get("nåddes") == "nå"


def test_the_lemma_store_is_built_once_and_again_when_unreadable(tmp_path, monkeypatch):
    import gzip
    import json

    import parsers.text as text
    from parsers.text import open_lemma_store

    def answers(store):
        return store.get("ungdomarna"), store.get("nåddes"), store.get("Ungdomarna"), store.is_word("ungdom"), \
            store.is_lemma("ungdom"), store.is_lemma("ungdomarna"), store.is_word("xyzzyq")

    source = tmp_path / "sv_lemma_lookup.json.gz"
    source.write_bytes(gzip.compress(json.dumps({"ungdomarna": "ungdom", "nåddes": "nå"}).encode()))
    cache = tmp_path / "cache"
    known = ("ungdom", "nå", None, True, True, False, False)
    assert answers(open_lemma_store(source, cache)) == known
    [copy] = cache.glob("sv_lemma_lookup-*.sqlite")

    def no_parse(*a, **k):
        raise AssertionError("the JSON was parsed again")

    with monkeypatch.context() as m:
        m.setattr(text, "read_lemma_json", no_parse)
        assert answers(open_lemma_store(source, cache)) == known  # from the store
    copy.write_bytes(b"\x00garbage")
    assert answers(open_lemma_store(source, cache)) == known  # parsed, store rebuilt
    assert copy.read_bytes()[:6] == b"SQLite"
    source.write_bytes(gzip.compress(json.dumps({"ny": "ny"}).encode()))  # a new table: a new store
    assert open_lemma_store(source, cache).get("ny") == "ny" and len(list(cache.glob("*.sqlite"))) == 2
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert open_lemma_store(source, blocked / "cache").get("ny") == "ny"  # a cache that cannot be written: a temporary store
    assert open_lemma_store(source, None).get("ny") == "ny"


def test_a_temporary_lemma_store_is_removed_when_its_process_exits(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import os; from parsers.text import temporary_lemma_store; s = temporary_lemma_store({'ungdomarna': "
              "'ungdom'}); assert s.get('ungdomarna') == 'ungdom'; "
              "pid = os.fork(); os._exit(0) if pid == 0 else os.waitpid(pid, 0); "  # a forked child leaves it be
              "assert s.path.is_file(); print(s.path)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "TMPDIR": str(tmp_path)})
    path = Path(out.stdout.strip())
    assert path.parent.parent == tmp_path and not path.parent.exists()
