# ruff: noqa: E501 - sentences of page text read better unbroken
"""The resident pages' own words (buttons, headings, messages) in English and Welsh.

Question wording lives in each survey definition and the engine's messages in surveys/i18n;
these are the words around them. A language without an entry falls back to English.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "start": "Start now",
        "continue": "Continue",
        "back": "Back",
        "progress": "Page {n} of about {total}",
        "saved": "Your answers are saved each time you continue. To finish later, use the same link.",
        "check_title": "Check your answers before sending them",
        "change": "Change",
        "send_title": "Now send your answers",
        "send_text": "When you send your answers you cannot change them.",
        "send": "Send answers",
        "no_answers": "You have not answered any questions yet.",
        "done_title": "Answers sent",
        "done_text": "Thank you for taking part. Your answers will help {council} make decisions about local services.",
        "done_next": "You can now close this page.",
        "used_title": "You have already completed this survey",
        "used_text": "Thank you: we have your answers. Each link can only be used once.",
        "unknown_title": "This survey link is not recognised",
        "unknown_text": "Check the link is complete: it may have been split across two lines in an email or letter.",
        "expired_title": "This survey link has expired",
        "expired_text": "The survey may have closed, or the link was only valid for a limited time.",
        "closed_title": "This survey has closed",
        "closed_text": "We are no longer collecting answers to this survey, so your link no longer works. Nothing you saved has been sent. If you still want to tell us something, contact us using the details below.",
        "other_ways": "Other ways to take part",
        "other_ways_text": "Call {phone} (Monday to Friday, 9am to 5pm) to answer by phone or to ask for a paper copy, or email {email}.",
        "language": "Language",
        "intro_time": "It takes about {minutes} minutes.",
        "intro_save": "Your answers are saved as you go, so you can stop and come back using the same link.",
        "kept_title": "What we keep",
        "kept_personal": "We keep your answers with the reference number of your panel membership, not your name. Council researchers see results in groups, never your contact details.",
        "kept_open": "We keep your answers and the date you sent them. We do not ask for your name. To stop accidental duplicate answers we keep a cookie on this device for 30 days and, for one hour, a scrambled form of your internet address that cannot be turned back into the address.",
        "open_start": "Start the survey",
        "rate_title": "Too many surveys started from this connection",
        "rate_text": "To stop duplicate answers, only a few surveys can be started from one internet connection each hour. Try again later.",
        "problem_answers": "Some answers are missing. Answer the questions on this page to continue.",
        "skip_link": "Skip to main content",
        "page_title_suffix": "Survey",
        "error_prefix": "Error",
    },
    "cy": {
        "start": "Dechrau nawr",
        "continue": "Parhau",
        "back": "Yn ôl",
        "progress": "Tudalen {n} o tua {total}",
        "saved": "Caiff eich atebion eu cadw bob tro y byddwch yn parhau. I orffen yn nes ymlaen, defnyddiwch yr un ddolen.",
        "check_title": "Gwiriwch eich atebion cyn eu hanfon",
        "change": "Newid",
        "send_title": "Nawr anfonwch eich atebion",
        "send_text": "Pan fyddwch yn anfon eich atebion ni allwch eu newid.",
        "send": "Anfon atebion",
        "no_answers": "Nid ydych wedi ateb unrhyw gwestiynau eto.",
        "done_title": "Atebion wedi'u hanfon",
        "done_text": "Diolch am gymryd rhan. Bydd eich atebion yn helpu {council} i wneud penderfyniadau am wasanaethau lleol.",
        "done_next": "Gallwch gau'r dudalen hon nawr.",
        "used_title": "Rydych eisoes wedi cwblhau'r arolwg hwn",
        "used_text": "Diolch: mae eich atebion gennym. Dim ond unwaith y gellir defnyddio pob dolen.",
        "unknown_title": "Nid yw'r ddolen arolwg hon yn cael ei hadnabod",
        "unknown_text": "Gwiriwch fod y ddolen yn gyflawn: efallai ei bod wedi'i rhannu dros ddwy linell mewn e-bost neu lythyr.",
        "expired_title": "Mae'r ddolen arolwg hon wedi dod i ben",
        "expired_text": "Efallai bod yr arolwg wedi cau, neu dim ond am gyfnod cyfyngedig yr oedd y ddolen yn ddilys.",
        "closed_title": "Mae'r arolwg hwn wedi cau",
        "closed_text": "Nid ydym yn casglu atebion i'r arolwg hwn mwyach, felly nid yw eich dolen yn gweithio. Nid yw unrhyw beth a gadwyd gennych wedi'i anfon. Os ydych yn dal eisiau dweud rhywbeth wrthym, cysylltwch â ni gan ddefnyddio'r manylion isod.",
        "other_ways": "Ffyrdd eraill o gymryd rhan",
        "other_ways_text": "Ffoniwch {phone} (dydd Llun i ddydd Gwener, 9am i 5pm) i ateb dros y ffôn neu i ofyn am gopi papur, neu e-bostiwch {email}.",
        "language": "Iaith",
        "intro_time": "Mae'n cymryd tua {minutes} munud.",
        "intro_save": "Caiff eich atebion eu cadw wrth i chi fynd, felly gallwch stopio a dod yn ôl gan ddefnyddio'r un ddolen.",
        "kept_title": "Beth rydym yn ei gadw",
        "kept_personal": "Rydym yn cadw eich atebion gyda chyfeirnod eich aelodaeth o'r panel, nid eich enw. Mae ymchwilwyr y cyngor yn gweld canlyniadau mewn grwpiau, byth eich manylion cyswllt.",
        "kept_open": "Rydym yn cadw eich atebion a'r dyddiad y gwnaethoch eu hanfon. Nid ydym yn gofyn am eich enw. I atal atebion dyblyg damweiniol rydym yn cadw cwci ar y ddyfais hon am 30 diwrnod ac, am awr, ffurf wedi'i chymysgu o'ch cyfeiriad rhyngrwyd na ellir ei throi'n ôl yn gyfeiriad.",
        "open_start": "Dechrau'r arolwg",
        "rate_title": "Gormod o arolygon wedi'u dechrau o'r cysylltiad hwn",
        "rate_text": "I atal atebion dyblyg, dim ond ychydig o arolygon y gellir eu dechrau o un cysylltiad rhyngrwyd bob awr. Rhowch gynnig arall arni yn nes ymlaen.",
        "problem_answers": "Mae rhai atebion ar goll. Atebwch y cwestiynau ar y dudalen hon i barhau.",
        "skip_link": "Neidio i'r prif gynnwys",
        "page_title_suffix": "Arolwg",
        "error_prefix": "Gwall",
    },
}

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


def words(lang: str) -> dict[str, str]:
    """Every page word in `lang`, English filling any gap."""
    if lang == "en" or lang not in WORDS:
        return WORDS["en"]
    return {**WORDS["en"], **WORDS[lang]}
