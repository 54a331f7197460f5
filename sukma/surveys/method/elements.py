"""The nine elements (unsur) of PermenPANRB 14/2017, word for word.

This is law, not configuration: no regency may change it. Answers are
stored by element code (U1..U9), never by position, because published
questionnaires disagree on the order of U8 and U9. Each element has its
question and its four answer labels, scored 1 to 4 from left to right, in
Bahasa Indonesia (the regulation's text) and English. The English labels of a
four-level scale read as plain English: "Kurang mudah" is "Not very easy"
(the level below "Easy"), never a word-for-word "Barely easy".
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    answers_id: tuple[str, str, str, str]
    answers_en: tuple[str, str, str, str]


ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well do the service's requirements fit the kind of service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not suitable", "Not very suitable", "Suitable", "Very suitable"),
    ),
    Element(
        "U2",
        "Sistem, Mekanisme, dan Prosedur",
        "Systems, mechanisms and procedures",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the service procedure at this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Not very easy", "Easy", "Very easy"),
    ),
    Element(
        "U3",
        "Waktu Penyelesaian",
        "Completion time",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How quickly was the service given?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not quick", "Not very quick", "Quick", "Very quick"),
    ),
    Element(
        "U4",
        "Biaya/Tarif",
        "Cost/fee",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the cost or fee of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Rather expensive", "Cheap", "Free"),
    ),
    Element(
        "U5",
        "Produk Spesifikasi Jenis Pelayanan",
        "Service product specification",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "How well does what you received match the product listed in the service standard?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Does not match", "Does not quite match", "Matches", "Matches fully"),
    ),
    Element(
        "U6",
        "Kompetensi Pelaksana",
        "Staff competence",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff who served you?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Not very competent", "Competent", "Very competent"),
    ),
    Element(
        "U7",
        "Perilaku Pelaksana",
        "Staff conduct",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        "How polite and friendly were the staff who served you?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        (
            "Not polite or friendly",
            "Not very polite or friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ),
    ),
    Element(
        "U8",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Handling of complaints, suggestions and feedback",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are service users' complaints handled?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        (
            "None exists",
            "Exists but does not work",
            "Works, but not fully",
            "Well managed",
        ),
    ),
    Element(
        "U9",
        "Sarana dan Prasarana",
        "Facilities and infrastructure",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities and infrastructure?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)

ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
ELEMENTS_BY_CODE: dict[str, Element] = {e.code: e for e in ELEMENTS}
