"""The words the citizen reads: one way of addressing them, and English that reads as English.

The rule (README, "The citizen's page"): Indonesian text addresses the citizen
as "Anda"; only the nine questions of PermenPANRB 14/2017, quoted word for
word, keep the regulation's "Saudara".
"""

import re

import polib
from django.conf import settings

from sukma.surveys.method.elements import ELEMENTS

OTHER_FORMS = re.compile(r"\b(kamu|engkau|saudara|saudari|bapak/ibu|bpk/ibu)\b|\banda\b", re.I)


def catalogue() -> polib.POFile:
    return polib.pofile(str(settings.LOCALE_PATHS[0] / "id" / "LC_MESSAGES" / "django.po"))


def translations(entry: polib.POEntry) -> list[str]:
    return [entry.msgstr, *entry.msgstr_plural.values()]


def test_indonesian_addresses_the_citizen_as_anda_and_never_otherwise():
    found = [
        text
        for entry in catalogue()
        for text in translations(entry)
        if any(m.group(0) != "Anda" for m in OTHER_FORMS.finditer(text))
    ]
    assert found == []


def test_only_the_regulations_nine_questions_say_saudara():
    for element in ELEMENTS:
        assert "Saudara" in element.question_id  # quoted as the regulation words them
        for label in element.answers_id:
            assert not OTHER_FORMS.search(label)


def test_the_english_answer_labels_read_naturally():
    labels = {e.code: e.answers_en for e in ELEMENTS}
    assert labels["U2"] == ("Not easy", "Not very easy", "Easy", "Very easy")
    for element in ELEMENTS:
        assert len(set(element.answers_en)) == 4
        assert not any("Barely" in label or "fitting" in label for label in element.answers_en)
        if element.answers_id[1].startswith("Kurang "):  # "Kurang X": the level below X
            assert element.answers_en[1].startswith(("Not very ", "Does not quite "))
