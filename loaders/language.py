"""Which language a text is in: Danish, Norwegian (bokmål), Swedish or English, from function words and letters.

Small lists of words that are frequent in one language and rare or absent in the others (Danish "af, efter,
hvad, blev, nogle" against Norwegian "av, etter, hva, ble, noen"; Swedish "och, inte, är, att"), plus the letters
only one side uses (ä/ö for Swedish, æ/ø for Danish and Norwegian). Words shared by Danish and Norwegian ("ikke",
"også", "jeg") count for both and so decide nothing between them, only against Swedish and English. A text
without any evidence is Danish, the language extraction falls back to.
"""

from __future__ import annotations

import re

LANGUAGES = ("da", "nb", "sv", "en")
DEFAULT = "da"
SAMPLE = 100_000
"""detect_language reads this many characters from the start: plenty for a verdict, and bounded for big files."""

# Frequent words per language. A word listed under n languages counts 1/n for each: it separates those
# from the others but not from each other (Swedish shares "av, efter, blev, mig, nu" with one neighbour or the other).
_LISTS: dict[str, str] = {
    "da": "af efter hvad blev nogle mellem gennem os vores mig dig sig meget nu ud hvor hvornår hvilke "
    "ikke og til fra jeg også være kunne kommune eller det har skal vil er et bliver børn arbejde arbejder "
    "samarbejde blandt endnu udsatte aftale indgår siger fortæller fik for med på som projekt projektet "
    "projekter mio",
    "nb": "av etter hva ble noen mellom gjennom oss våre vår meg deg seg mye nå ut hvor hvordan hvem "
    "ikke og til fra jeg også være kunne kommune eller det har skal vil er et blir barn arbeid arbeider "
    "samarbeid blant enda utsatte avtale inngår sier forteller fikk ikkje mot for med på som prosjekt prosjektet "
    "prosjekter prosjektene stiftelsen",
    "sv": "av efter vad blev några mellan genom oss våra vår mig dig sig mycket nu ut var hur vem "
    "och inte är att för från till också ett detta samt deras blir barn arbete arbetar samarbete bland "
    "även utsatta avtal ingår säger berättar fick mot kommun eller det har ska vill jag med på som projekt "
    "projektet kronor miljoner stiftelsen",
    "en": "the and of to is in for with that on are by this we our from have has which their will about "
    "organization partnership charity",
}
_WORDS: dict[str, tuple[str, ...]] = {}
for _lang, _words in _LISTS.items():
    for _word in _words.split():
        _WORDS[_word] = _WORDS.get(_word, ()) + (_lang,)

# Letters that only one side writes.
_LETTERS: dict[str, tuple[str, ...]] = {
    "æ": ("da", "nb"),
    "ø": ("da", "nb"),
    "ä": ("sv",),
    "ö": ("sv",),
    "å": ("da", "nb", "sv"),
}
# Endings typical of one side: Norwegian -sjon (Danish and Swedish -tion), Danish -hed (Norwegian, Swedish -het).
_ENDINGS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("sjon", "sjoner", "sjonen", "sjonene"), ("nb",)),
    (("hed", "heden", "heder", "hederne"), ("da",)),
    (("het", "heten", "heter", "hetene", "heterna"), ("nb", "sv")),
)

_TOKEN = re.compile(r"[^\W\d_]+")


def language_scores(text: str) -> dict[str, float]:
    """Evidence per language: weighted counts of distinctive words, letters and endings in `text`."""
    lowered = text.casefold()
    scores: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
    for token in _TOKEN.findall(lowered):
        langs = _WORDS.get(token)
        if langs:
            for lang in langs:
                scores[lang] += 1.0 / len(langs)
        elif len(token) > 5:
            for endings, ending_langs in _ENDINGS:
                if token.endswith(endings):
                    for lang in ending_langs:
                        scores[lang] += 0.5 / len(ending_langs)
    for letter, langs in _LETTERS.items():
        count = lowered.count(letter)
        for lang in langs:
            scores[lang] += 0.5 * count / len(langs)
    return scores


def detect_language(text: str, hint: str | None = None) -> str:
    """The language of `text`: "da", "nb", "sv" or "en".

    `hint` (e.g. an HTML lang attribute, already mapped to one of those) decides only when the text gives no
    evidence; without either, the answer is Danish. Only the first `SAMPLE` characters are read.

    >>> detect_language("Kirkens Korshær er medlem af alliancen, og arbejdet blev støttet af fonden.")
    'da'
    >>> detect_language("Kirkens Bymisjon er medlem av alliansen, og arbeidet ble støttet av stiftelsen.")
    'nb'
    >>> detect_language("Stadsmissionen är medlem i nätverket och arbetet stöds av stiftelsen.")
    'sv'
    """
    scores = language_scores(text[:SAMPLE])
    best = max(scores.values())
    if best <= 0:
        return hint if hint in LANGUAGES else DEFAULT
    # A tie keeps the order of LANGUAGES: Danish before Norwegian before Swedish before English.
    return next(lang for lang in LANGUAGES if scores[lang] == best)


def language_from_tag(tag: str | None) -> str | None:
    """Map a language tag (HTML lang, e.g. "da-DK", "no", "nn", "sv-SE", "en") to one of LANGUAGES, or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return {"da": "da", "nb": "nb", "no": "nb", "nn": "nb", "sv": "sv", "en": "en"}.get(primary)
