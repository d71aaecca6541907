"""Fixed lists the profiles choose from: interests, languages, regions, activities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

INTERESTS = {
    "robotica": _l("robotica"),
    "programmeren": _l("programmeren"),
    "duurzame-energie": _l("duurzame energie"),
    "elektrische-autos": _l("elektrische auto's"),
    "netwerken": _l("netwerken"),
    "cybersecurity": _l("cybersecurity"),
    "3d-printen": _l("3D-printen"),
    "gaming": _l("gaming"),
    "domotica": _l("domotica"),
    "drones": _l("drones"),
    "bouwen": _l("bouwen en constructie"),
    "installaties": _l("installaties en warmtepompen"),
    "ontwerpen": _l("ontwerpen en tekenen"),
    "stage": _l("stage zoeken"),
    "hbo": _l("doorstuderen naar het hbo"),
    "vrouw-in-techniek": _l("werken als vrouw in de techniek"),
}
LANGUAGES = {
    "nl": _l("Nederlands"),
    "en": _l("Engels"),
    "ar": _l("Arabisch"),
    "tr": _l("Turks"),
    "ber": _l("Tamazight (Berbers)"),
    "pl": _l("Pools"),
    "pap": _l("Papiaments"),
    "srn": _l("Sranantongo"),
    "uk": _l("Oekraïens"),
    "es": _l("Spaans"),
}
REGIONS = {
    "groningen": _l("Groningen"),
    "friesland": _l("Friesland"),
    "drenthe": _l("Drenthe"),
    "overijssel": _l("Overijssel"),
    "flevoland": _l("Flevoland"),
    "gelderland": _l("Gelderland"),
    "utrecht": _l("Utrecht"),
    "noord-holland": _l("Noord-Holland"),
    "zuid-holland": _l("Zuid-Holland"),
    "zeeland": _l("Zeeland"),
    "noord-brabant": _l("Noord-Brabant"),
    "limburg": _l("Limburg"),
}
CONTACT = {"": _l("Geen voorkeur"), "school": _l("Op school"), "online": _l("Online")}
BUDDY_MATTERS = {
    "programme": _l("Dezelfde opleiding"),
    "interests": _l("Dezelfde interesses"),
    "language": _l("Een gedeelde taal"),
    "region": _l("Dezelfde regio"),
    "contact": _l("Dezelfde manier van contact"),
}
ACTIVITIES = {
    "guest_lesson": _l("Gastles geven"),
    "speeddate": _l("Speeddates"),
    "circle_mentor": _l("Mentor van een kring"),
    "open_day": _l("Open dagen"),
}


def label(vocabulary: dict, key: str) -> str:
    """The label of a key, or the key itself for a free tag."""
    return str(vocabulary.get(key, key))
