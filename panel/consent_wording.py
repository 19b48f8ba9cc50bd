# ruff: noqa: E501 - consent sentences read better unbroken
"""What a resident agrees to, word for word, in each wording version and language.

A Consent row stores the purpose and `wording_version`; this module keeps the words each
version showed, so "what exactly did they agree to?" is always answerable. Changing any
sentence means a new version (and `panel.services.CONSENT_WORDING_VERSION`): consent given
under an old version is never silently re-used.
"""

from __future__ import annotations

from markupsafe import Markup

from panel.services import CONSENT_WORDING_VERSION

#: Purposes a resident can agree to when they join, in the order the sign-up page lists them.
PURPOSES = (
    "membership",
    "contact:email",
    "contact:sms",
    "contact:post",
    "contact:phone",
    "link_answers",
)

WORDING: dict[str, dict[str, dict[str, str]]] = {
    "2026-01": {
        "en": {
            "membership": "I want to join the residents’ panel. The council may keep my name, contact details and the answers about me I choose to give, to invite me to surveys and to check the panel is fair.",
            "contact:email": "You may contact me by email about panel surveys.",
            "contact:sms": "You may contact me by text message about panel surveys.",
            "contact:post": "You may contact me by post about panel surveys.",
            "contact:phone": "You may phone me about panel surveys.",
            "link_answers": "You may link my survey answers to my panel profile (age group, ward and the equality answers I give), so results can be reported fairly. Researchers never see my name or contact details.",
        },
        "cy": {
            "membership": "Rwyf eisiau ymuno â phanel y trigolion. Caiff y cyngor gadw fy enw, fy manylion cyswllt a’r atebion amdanaf i rwy’n dewis eu rhoi, i’m gwahodd i arolygon ac i wirio bod y panel yn deg.",
            "contact:email": "Cewch gysylltu â mi drwy e-bost am arolygon y panel.",
            "contact:sms": "Cewch gysylltu â mi drwy neges destun am arolygon y panel.",
            "contact:post": "Cewch gysylltu â mi drwy’r post am arolygon y panel.",
            "contact:phone": "Cewch fy ffonio am arolygon y panel.",
            "link_answers": "Cewch gysylltu fy atebion i arolygon â’m proffil panel (grŵp oedran, ward a’r atebion cydraddoldeb a roddaf), fel y gellir adrodd ar ganlyniadau’n deg. Nid yw ymchwilwyr byth yn gweld fy enw na’m manylion cyswllt.",
        },
    }
}


def wording(purpose: str, lang: str = "en", version: str = CONSENT_WORDING_VERSION) -> str:
    """The sentence shown for `purpose` (English when the language has none)."""
    texts = WORDING[version]
    return texts.get(lang, texts["en"]).get(purpose) or texts["en"][purpose]


def wording_list(purposes: set[str] | list[str], lang: str = "en") -> Markup:
    """The agreed sentences as a GOV.UK bulleted list (in PURPOSES order), for summary lists."""
    items = [Markup("<li>{}</li>").format(wording(p, lang)) for p in PURPOSES if p in purposes]
    return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(
        Markup("").join(items)
    )


assert set(WORDING[CONSENT_WORDING_VERSION]["en"]) == set(PURPOSES), "wording for every purpose"
