"""Bytes to clean text: decode (UTF-8 first, legacy encodings detected and reported), then normalise.

Decoding, in order:
1. A byte-order mark decides: UTF-8 (``utf-8-sig``), UTF-32 or UTF-16.
2. Otherwise NUL bytes mean binary (a stray one or two in a big file are stripped instead). UTF-16 without a BOM
   looks like this too; the message says how to convert it.
3. Valid UTF-8 is UTF-8, whatever a ``<meta charset>`` claims.
4. Else the encoding the source declares (HTML ``<meta charset>``), when it decodes the bytes;
5. else charset-normalizer, restricted to the legacy encodings Nordic texts come in (cp1252, latin-1,
   ISO-8859-15, DOS cp850/cp865, Mac Roman). Latin-1 labels are read as cp1252, as browsers do.
Text that mixes UTF-8 lines with legacy-encoded lines (pasted together) is read line by line, each line in its
own encoding (``encoding`` "utf-8+cp1252"). Anything not UTF-8 is reported: ``metadata["encoding"]`` and ``metadata["encoding_note"]`` with the iconv command
that converts it.

Limits (what bounds the time and memory one document costs; see also `registry`): sources over ``MAX_BYTES``
(20 MB) are refused before decoding, so a 50 MB file costs no time; text over ``MAX_CHARS`` (1,000,000
characters, about 500 pages) is refused before it is parsed further; split such a file into several smaller ones.
Empty and whitespace-only sources are errors, as is text in which more than 5 % of the characters are control
characters (binary data).

Normalisation (`normalize`): line ends to ``\\n``, NUL and other control characters (except tab and newline)
removed, soft hyphens and zero-width characters removed, non-breaking and other Unicode spaces to plain spaces,
then NFC. Loaders normalise before they compute offsets, so every Block and Record refers to the final text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer

from alliances.loaders.registry import LoaderError

MAX_BYTES = 20 * 1024 * 1024
"""The largest source we read (20 MB). Larger ones are refused at once, with a message."""

MAX_CHARS = 1_000_000
"""The longest text one document may have (after decoding, and after markup is removed). Extraction time grows
with a document's length; this bound keeps one document to seconds and a few hundred MB, not minutes and GB."""

MAX_LINE = 5_000
"""The longest line handed on to extraction. A longer line is broken at a sentence end or a space (the space
becomes a line break, so every offset stays the same); a run this long without any space is refused."""

LEGACY_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "cp850", "cp865", "mac_roman"]
"""The legacy encodings charset-normalizer may choose from: what Danish, Norwegian and Swedish text comes in."""

_BINARY_CONTROL_SHARE = 0.05
_STRAY_NUL_SHARE = 0.001  # up to one NUL per 1000 bytes is a glitch to strip, more is binary
_CONVERT = "convert it with iconv -f {enc} -t utf-8 (replace {enc} with the file's encoding if it is another)"


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, and which encoding it was in (with a note when that was not UTF-8)."""

    text: str
    encoding: str
    note: str = ""

    def metadata(self) -> dict[str, str]:
        meta = {"encoding": self.encoding}
        if self.note:
            meta["encoding_note"] = self.note
        return meta


def size_error(source: str, size: int) -> LoaderError:
    """The error for a source over the size limit."""
    return LoaderError(
        source,
        None,
        f"is {size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB",
        "Split it into smaller files",
    )


def length_error(source: str, chars: int) -> LoaderError:
    """The error for a text over the length limit."""
    return LoaderError(
        source,
        None,
        f"has {chars:,} characters of text; the limit is {MAX_CHARS:,} per document",
        "Split it into smaller files",
    )


def _line_at(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _canonical(label: str) -> str | None:
    """A Python codec name for an encoding label, or None. Latin-1 and ASCII labels mean cp1252 (as in browsers)."""
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    if name in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    return name


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _try_decode(data: bytes, enc: str) -> tuple[str, str] | None:
    """Decode strictly; cp1252 falls back to latin-1 (which cp1252's five unassigned bytes need)."""
    for candidate in (enc, "latin-1") if enc == "cp1252" else (enc,):
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _undecodable(source: str, line: int | None, enc: str = "cp1252") -> LoaderError:
    return LoaderError(
        source, line, "could not be decoded as UTF-8 or a legacy encoding", _CONVERT.format(enc=enc).capitalize()
    )


# Characters that legacy-encoded Nordic text decodes to when the guess is right: letters count 1, punctuation 1/2;
# other non-ASCII characters (µ, ±, box drawing …) count against a guess. A few neutral ones count nothing.
_NORDIC_LETTERS = frozenset("æøåÆØÅäöÄÖéÉèÈüÜáÁóÓúíñçßêôëï")
_NORDIC_PUNCTUATION = frozenset("–—‘’‚“”„…€«»•·")
_NEUTRAL = frozenset("§°½©®™´¨×\u00a0")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SAMPLE = 1 << 20


def _plausibility(text: str) -> float:
    score = 0.0
    for char in _NON_ASCII.findall(text):
        if char in _NORDIC_LETTERS:
            score += 1
        elif char in _NORDIC_PUNCTUATION:
            score += 0.5
        elif char not in _NEUTRAL:
            score -= 1
    return score


def _preference(enc: str) -> int:
    order = [codecs.lookup(name).name for name in LEGACY_ENCODINGS]
    name = codecs.lookup(enc).name
    return -order.index(name) if name in order else -len(order)


def _detect(data: bytes, source: str, bad_line: int) -> tuple[str, str]:
    """The legacy encoding that fits: charset-normalizer's candidates, ranked by how Nordic the result reads.

    Short texts are ambiguous (cp1252 "ø" is cp850 "°"), so among the encodings charset-normalizer accepts we take
    the one whose non-ASCII characters are Nordic letters, preferring cp1252 on a tie.
    """
    candidates: dict[str, str] = {}
    matches = charset_normalizer.from_bytes(data, cp_isolation=LEGACY_ENCODINGS)
    names = [_canonical(m.encoding) or m.encoding for m in matches]
    # charset-normalizer says whether this is text at all, but may offer one guess only for a short text: then
    # the Nordic-letter score decides among all the legacy encodings
    for name in [*names, *LEGACY_ENCODINGS] if names else []:
        found = _try_decode(data, name)
        if found is not None:
            candidates.setdefault(found[1], found[0])
    if not candidates:
        raise _undecodable(source, bad_line)
    sample = {enc: _plausibility(text[:_SAMPLE]) for enc, text in candidates.items()}
    best = max(candidates, key=lambda enc: (sample[enc], _preference(enc)))
    return candidates[best], best


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _decode_mixed(data: bytes, source: str, bad_line: int) -> Decoded | None:
    """Text pasted together from UTF-8 and a legacy encoding: each line in its own encoding, or None if not mixed.

    A line with non-ASCII bytes that is valid UTF-8 is UTF-8 (legacy text practically never is); the other lines
    are read in the legacy encoding they fit. Without this, the UTF-8 lines would come out as "KÃ¦re".
    """
    lines = data.split(b"\n")
    utf8: list[int] = []
    legacy: list[int] = []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            legacy.append(number)
        else:
            if _UTF8_MULTIBYTE.search(line):
                utf8.append(number)
    if not utf8 or not legacy:
        return None
    _, enc = _detect(b"\n".join(lines[n] for n in legacy), source, bad_line)
    legacy_set = set(legacy)
    text = "\n".join(
        _try_decode(line, enc)[0] if n in legacy_set else line.decode("utf-8")  # type: ignore[index]
        for n, line in enumerate(lines)
    )
    note = (
        f"mixes encodings: {len(utf8)} lines are UTF-8, {len(legacy)} are not (the first on line {legacy[0] + 1}), "
        f"read as {enc}; convert those lines to UTF-8"
    )
    return Decoded(text, f"utf-8+{enc}", note)


def _decode_bytes(data: bytes, source: str, declared: str | None) -> Decoded:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as e:
                raise LoaderError(
                    source, None, f"starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()}"
                ) from e
            note = "" if enc == "utf-8-sig" else f"decoded as {enc.upper()} (byte-order mark), not UTF-8"
            return Decoded(text, enc, note)

    nuls = data.count(b"\0")
    if nuls and nuls > len(data) * _STRAY_NUL_SHARE:
        raise LoaderError(
            source,
            _line_at(data, data.index(b"\0")),
            "looks binary (NUL bytes)",
            "If it is UTF-16 text without a byte-order mark, convert it with iconv -f utf-16le -t utf-8",
        )

    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as e:
        bad_line = _line_at(data, e.start)
        why = f"not valid UTF-8 (byte 0x{data[e.start]:02x} on line {bad_line})"

    mixed = _decode_mixed(data, source, bad_line)
    if mixed is not None:
        return mixed

    declared_enc = _canonical(declared) if declared else None
    if declared_enc and not declared_enc.startswith(("utf-16", "utf-32")):
        found = _try_decode(data, declared_enc)
        if found is not None:
            text, enc = found
            note = f"{why}; decoded as {enc}, as the source declares; {_CONVERT.format(enc=enc)}"
            return Decoded(text, enc, note)

    text, enc = _detect(data, source, bad_line)
    return Decoded(text, enc, f"{why}; detected {enc}; {_CONVERT.format(enc=enc)}")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def decode(data: bytes, source: str, declared: str | None = None) -> Decoded:
    """Decode a source's bytes to text (not yet normalised). Raises LoaderError for empty, binary, undecodable."""
    if len(data) > MAX_BYTES:
        raise size_error(source, len(data))
    if not data:
        raise LoaderError(source, None, "is empty", "Check that the file was saved or downloaded completely")
    decoded = _decode_bytes(data, source, declared)
    text = decoded.text
    controls = len(_CONTROL.findall(text)) + text.count("\ufffd")
    if controls > len(text) * _BINARY_CONTROL_SHARE:
        raise LoaderError(
            source, None, "looks binary (mostly non-text bytes)", "Give a text, HTML, Markdown, CSV or YAML file"
        )
    if not text.strip():
        raise LoaderError(source, None, "contains only whitespace", "Check that the file was saved completely")
    return decoded


_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u2060\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_STRIP = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x9f\ufffe\uffff]")


def normalize(text: str) -> str:
    """Clean text the way every loader wants it: \\n line ends, no NUL or controls, plain spaces, NFC."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _STRIP.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def read_text(data: bytes, source: str, declared: str | None = None) -> tuple[str, dict[str, str]]:
    """Decode and normalise; the text and its metadata (encoding, encoding_note). Raises LoaderError."""
    decoded = decode(data, source, declared)
    text = normalize(decoded.text)
    if len(text) > MAX_CHARS:
        raise length_error(source, len(text))
    if not text.strip():
        raise LoaderError(source, None, "contains no text", "Check that the file was saved completely")
    return text, decoded.metadata()
