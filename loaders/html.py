"""HTML pages: the main text only, one line per block, with headings, list items and table rows kept apart.

What is left out: scripts, styles, forms, navigation, page header and footer, asides, hidden elements, and any
element whose id, class, role or aria-label contains a token from ``data/html_boilerplate.txt`` (cookie banners,
newsletter sign-ups, menus, share buttons …). An element that holds the page's ``<h1>`` or ``<main>`` is never
left out (an article's own <header>, an ASP.NET page wrapped in one <form>), nor is <html>, <body>, <main> or
<article>; a <form> that holds most of the page's text is kept for the same reason.

The text comes from ``<main>`` when there is one, else from the largest ``<article>``, else from ``<body>``. Each
block becomes one line of ``Document.text``: the <title> (or, without one, the first <h1>) is the "title"
block; h1–h6 are "heading" (level 1–6); li, dt and dd are "item" (level = list depth); a table row is one
"paragraph" with its cells joined by " | "; p, blockquote, figcaption, a div's own text and the like are
"paragraph". Inline text is joined with single spaces, and a <br> ends a block. A link that holds only a logo
gives the logo's alt text as a block of its own, because partner lists are often rows of logos.

The page is walked iteratively, never recursively, so deep nesting cannot overflow the stack; libxml2 itself stops
at 2048 levels, which is reported in ``metadata["parse_note"]``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import lxml.etree
import lxml.html

from alliances.loaders.document import Block, BlockKind, Document
from alliances.loaders.encoding import decode, normalize
from alliances.loaders.language import detect_language, language_from_tag
from alliances.loaders.registry import LoaderError


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_ALWAYS_DROP = _tags(
    "script style noscript template svg math iframe button input select option textarea object embed canvas "
    "audio video map head title"
)
_DROP_UNLESS_MAIN = _tags("form nav header footer aside dialog")
_NEVER_DROP = _tags("html body main article")
_MARKED_BY = ("id", "class", "role", "aria-label")

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_ITEMS = _tags("li dt dd")
_LISTS = _tags("ul ol dl menu dir")
_BLOCKS = _tags(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p pre section summary "
    "table tbody td tfoot th thead tr ul"
)
# Inside a table row, these mean the table lays out the page rather than holding data.
_STRUCTURAL = _tags("table ul ol dl menu h1 h2 h3 h4 h5 h6 blockquote")
_CELLS = _tags("td th")

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.-]+)""")
_FILE_NAME = re.compile(r"\.(?:jpe?g|png|gif|svg|webp|avif|bmp|tiff?)$", re.IGNORECASE)
_GENERIC_ALT = _tags("logo billede bilde bild image foto photo picture ikon icon")
_DEPTH_LIMIT = "Excessive depth"


@functools.cache
def boilerplate_tokens() -> tuple[str, ...]:
    """The id/class/role/aria-label substrings that mark an element as boilerplate (lower case)."""
    text = resources.files("alliances.loaders").joinpath("data/html_boilerplate.txt").read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def declared_charset(data: bytes) -> str | None:
    """The encoding an HTML page declares in <meta charset>, http-equiv or an XML declaration (first 4 KB)."""
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


_PLAIN_ASCII = re.compile(r"[\t\n\r -~]*")


def _collapse(text: str) -> str:
    """Normalise (entities may have brought back non-breaking spaces, soft hyphens …) and collapse whitespace."""
    if not _PLAIN_ASCII.fullmatch(text):
        text = normalize(text)
    return " ".join(text.split())


def _is_marked(el: lxml.html.HtmlElement, tokens: tuple[str, ...]) -> bool:
    for name in _MARKED_BY:
        value = el.get(name)
        if value:
            value = value.lower()
            if any(token in value for token in tokens):
                return True
    return False


def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    """Remove what is not the page's text, in place (tails kept)."""
    tokens = boilerplate_tokens()
    protected: set[lxml.html.HtmlElement] = set()
    for anchor in root.iter("h1", "main"):
        protected.add(anchor)
        protected.update(anchor.iterancestors())
    body = root.find("body")
    page_chars = len((body if body is not None else root).text_content())
    doomed = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:
            doomed.append(el)  # a comment or processing instruction the parser kept
            continue
        tag = tag.lower()
        if tag in _NEVER_DROP or el.getparent() is None:
            continue
        if tag in _ALWAYS_DROP:
            doomed.append(el)
        elif el in protected:
            continue
        elif tag in _DROP_UNLESS_MAIN or _is_hidden(el) or _is_marked(el, tokens):
            if tag == "form" and page_chars and len(el.text_content()) * 2 > page_chars:
                continue
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _content_root(root: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement, str]:
    """<main>, else the largest <article>, else <body> (else the whole page); with which one it was."""
    for main in root.iter("main"):
        if main.text_content().strip():
            return main, "main"
    articles = [(len(a.text_content().strip()), i, a) for i, a in enumerate(root.iter("article"))]
    articles = [entry for entry in articles if entry[0]]
    if articles:
        return max(articles, key=lambda entry: (entry[0], -entry[1]))[2], "article"
    body = root.find("body")
    return (body, "body") if body is not None else (root, "html")


_BREAK = None  # marks a line break inside a table cell


@dataclass
class _Row:
    data: bool = True
    cells: list[str] = field(default_factory=list)


@dataclass
class _Line:
    text: str
    kind: BlockKind
    level: int
    tag: str


class _Walker:
    """Turns a content tree into lines, one per block. State lives here; `walk` is a flat loop over events."""

    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self.buf: list[str | None] = []
        self.headings: list[int] = []
        self.items = 0
        self.lists = 0
        self.pre = 0
        self.rows: list[_Row] = []
        self.cell_depth = 0  # open td/th of the innermost data row
        self.block_tag = ""

    # --- text accumulation
    def in_data_cell(self) -> bool:
        return bool(self.rows) and self.rows[-1].data and self.cell_depth > 0

    def add(self, text: str | None) -> None:
        if not text:
            return
        if self.pre and "\n" in text:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.line_break()
                self.buf.append(part)
        else:
            self.buf.append(text)

    def line_break(self) -> None:
        if self.in_data_cell():
            self.buf.append(_BREAK)
        else:
            self.flush()

    def kind(self) -> tuple[BlockKind, int]:
        if self.headings:
            return "heading", self.headings[-1]
        if self.items:
            return "item", max(self.lists, 1)
        return "paragraph", 0

    def flush(self, tag: str = "") -> None:
        text = _collapse("".join(part or " " for part in self.buf))
        self.buf.clear()
        if text:
            kind, level = self.kind()
            self.lines.append(_Line(text, kind, level, tag or self.block_tag))

    def cell_text(self) -> str:
        parts: list[str] = []
        current: list[str] = []
        for part in [*self.buf, _BREAK]:
            if part is _BREAK:
                text = _collapse("".join(current))
                if text:
                    parts.append(text)
                current = []
            else:
                current.append(part)
        self.buf.clear()
        return ", ".join(parts)

    def emit_row(self, row: _Row) -> None:
        cells = [cell for cell in row.cells if cell]
        row.cells = []
        if cells:
            kind, level = self.kind()
            self.lines.append(_Line(" | ".join(cells), kind, level, "tr"))

    # --- events
    def start(self, el: lxml.html.HtmlElement, tag: str) -> None:
        row = self.rows[-1] if self.rows else None
        if row is not None and row.data and tag in _STRUCTURAL:
            # The table lays out the page: give what the row held so far, then read on as ordinary blocks.
            if self.cell_depth:
                row.cells.append(self.cell_text())
            self.emit_row(row)
            row.data = False
            self.cell_depth = 0
        if tag == "br":
            self.line_break()
        elif tag == "tr":
            self.flush()
            self.rows.append(_Row())
            self.cell_depth = 0
        elif tag in _CELLS and self.rows and self.rows[-1].data:
            if self.cell_depth == 0:
                stray = self.cell_text()
                if stray:
                    self.rows[-1].cells.append(stray)
            else:
                self.buf.append(_BREAK)
            self.cell_depth += 1
        elif tag in _BLOCKS:
            if self.in_data_cell():
                self.buf.append(_BREAK)
            else:
                self.flush()
        elif tag == "img":
            self.logo(el)
        if tag in _HEADINGS:
            self.headings.append(_HEADINGS[tag])
        elif tag in _ITEMS:
            self.items += 1
        elif tag in _LISTS:
            self.lists += 1
        elif tag == "pre":
            self.pre += 1
        if tag in _BLOCKS:
            self.block_tag = tag
        self.add(el.text)

    def end(self, el: lxml.html.HtmlElement, tag: str) -> None:
        if tag == "tr" and self.rows:
            row = self.rows.pop()
            if row.data:
                if self.cell_depth:
                    row.cells.append(self.cell_text())
                stray = self.cell_text()
                if stray:
                    row.cells.append(stray)
                self.emit_row(row)
            else:
                self.flush(tag)
            self.cell_depth = 0
        elif tag in _CELLS and self.rows and self.rows[-1].data and self.cell_depth:
            self.cell_depth -= 1
            if self.cell_depth == 0:
                self.rows[-1].cells.append(self.cell_text())
            else:
                self.buf.append(_BREAK)
        elif tag in _BLOCKS:
            if self.in_data_cell():
                self.buf.append(_BREAK)
            else:
                self.flush(tag)
        if tag in _HEADINGS and self.headings:
            self.headings.pop()
        elif tag in _ITEMS:
            self.items -= 1
        elif tag in _LISTS:
            self.lists -= 1
        elif tag == "pre":
            self.pre -= 1
        self.add(el.tail)

    def logo(self, img: lxml.html.HtmlElement) -> None:
        """A link holding only an image (a partner logo): its alt text, as a block of its own."""
        alt = _collapse(img.get("alt") or "")
        if not alt or alt.casefold() in _GENERIC_ALT or _FILE_NAME.search(alt):
            return
        link = next((a for a in img.iterancestors("a")), None)
        if link is None or link.text_content().strip():
            return
        if self.in_data_cell():
            self.buf.extend([_BREAK, alt, _BREAK])
        else:
            self.flush()
            self.buf.append(alt)
            self.flush("img")

    def walk(self, root: lxml.html.HtmlElement) -> list[_Line]:
        for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
            tag = el.tag.lower() if isinstance(el.tag, str) else ""
            if event == "start":
                if tag and el is not root:
                    self.start(el, tag)
                elif tag:
                    self.add(el.text)
            elif el is root:
                self.flush()
            elif tag:
                self.end(el, tag)
            else:
                self.add(el.tail)
        self.flush()
        return self.lines


def _title_lines(lines: list[_Line], title: str) -> list[_Line]:
    """Mark the title: the <title> as a first line, or the first <h1> when it says the same or there is no <title>."""
    first_h1 = next((i for i, line in enumerate(lines) if line.kind == "heading" and line.level == 1), None)
    if first_h1 is not None and (not title or lines[first_h1].text == title):
        h1 = lines[first_h1]
        lines[first_h1] = _Line(h1.text, "title", 0, h1.tag)
        return lines
    if title:
        return [_Line(title, "title", 0, "title"), *lines]
    return lines


def _parse(text: str, source: str) -> tuple[lxml.html.HtmlElement, str]:
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1), parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as e:
        raise LoaderError(source, None, f"could not be parsed as HTML ({e})", "Check that it is an HTML page") from e
    note = ""
    for entry in parser.error_log:
        if _DEPTH_LIMIT in entry.message:
            note = (
                f"elements are nested deeper than the parser allows (line {entry.line}); "
                "text after that point is missing"
            )
            break
    return root, note


def load_html(data: bytes, source: str) -> list[Document]:
    """Read an HTML page into one Document with its title, headings, items and paragraphs. Raises LoaderError."""
    decoded = decode(data, source, declared_charset(data))
    metadata = decoded.metadata()
    root, parse_note = _parse(normalize(decoded.text), source)
    if parse_note:
        metadata["parse_note"] = parse_note

    title_el = root.find("head/title")
    if title_el is None:  # a <title> the parser left in the body, but not an SVG image's title
        titles = (t for t in root.iter("title") if not any(a.tag in ("svg", "math") for a in t.iterancestors()))
        title_el = next(titles, None)
    title = _collapse(title_el.text_content()) if title_el is not None else ""
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("xml:lang")
    if lang:
        metadata["lang"] = lang.strip()

    _drop_boilerplate(root)
    content, where = _content_root(root)
    metadata["content_root"] = where
    lines = _title_lines(_Walker().walk(content), title)
    if not lines:
        reason = parse_note or "has no readable text after leaving out scripts, navigation and banners"
        raise LoaderError(source, None, reason, "Check that it is an HTML page with text in its body")

    blocks: list[Block] = []
    offset = 0
    for line in lines:
        blocks.append(Block(line.kind, offset, offset + len(line.text), line.level))
        offset += len(line.text) + 1
    text = "\n".join(line.text for line in lines)
    metadata["title"] = next((line.text for line in lines if line.kind == "title"), title)
    language = detect_language(text, hint=language_from_tag(lang))
    return [Document(text, source, language, tuple(blocks), metadata=metadata)]
