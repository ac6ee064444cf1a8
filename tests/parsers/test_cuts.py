"""The words on both sides of a line break: a cut inside one word or a wrap at a space (parsers.cuts)."""
from parsers.cuts import compound_parts, heads_compound, is_compound_stem, is_linking_s, wrapped_at_space


def test_compound_parts_counts_the_fewest_words():
    assert compound_parts("planeringen") == 1
    assert compound_parts("verksamhetsplaneringen") == 2
    assert compound_parts("verksamhetsplane") == 2
    assert compound_parts("xqzvwk") is None


def test_linking_s_and_the_head_of_a_compound():
    assert is_linking_s("informations") and is_linking_s("brandskydds")
    assert not is_linking_s("förvaltningens")  # a definite genitive
    assert heads_compound("Kompetensförsörjnings")  # no word itself: a compound ending in a base form and -s
    assert not heads_compound("arbetsmarknadsförvaltningens")
    assert is_compound_stem("Medborgar") and not is_compound_stem("medborgare")  # the stem of 'medborgare'
    assert not is_compound_stem("utfall") and not is_compound_stem("förvaltningens")


def test_characters_and_words_at_the_break_decide():
    # a cut: the whole is a word or fewer words than its halves, a linking -s before a compound, a short tail
    assert not wrapped_at_space("informations", "säkerhetsarbete")
    assert not wrapped_at_space("brandskydds", "arbete")
    assert not wrapped_at_space("verksamhetsplane", "ringen.")
    assert not wrapped_at_space("Kompetens", "försörjning", tail_alone=True)
    assert not wrapped_at_space("Kompetensförsörjnings", "plan")
    assert not wrapped_at_space("Budgetföljsa", "mhet")
    assert not wrapped_at_space("Medborgar", "utveckling")  # held-out variant 74 (procurement categories)
    assert not wrapped_at_space("februar", "i 2020")  # no word before a function word's letters that end it
    assert not wrapped_at_space("august", "i 2018")  # a word ('August'), but one letter more makes the month
    assert wrapped_at_space("(inräknat", "arbetstid")
    # a wrap: punctuation before, a capital or a function word after, two words that make no compound
    assert wrapped_at_space("avdelningschefer,", "och")
    assert wrapped_at_space("Systematiskt", "Informationsklassning")
    assert wrapped_at_space("självförsörjande", "och vägen")
    assert wrapped_at_space("förvaltningens", "arbete")
    assert wrapped_at_space("Förebygga", "otillåten påverkan")
    assert wrapped_at_space("18,7 miljoner", "kr")  # a money unit, however short (variant 5's innovation budgets)
    # closing punctuation and digits after digits never start a wrapped line
    assert not wrapped_at_space("delegationsordning", ", lagar")
    assert not wrapped_at_space("återbetalningsskyldig", "/stå för")  # held-out variant 79
    assert not wrapped_at_space("1", "0")
