# Rule-based labels (digits, capitalized_word, date in running text) and Python's string/comment labels from the
# tokenize module. Exact labels of generated text come from generate.py; JavaScript's from jsscan.py.
import datetime
import io
import re
import tokenize
import unicodedata

from document import Doc, Span

# Bytes covered by these exact labels are opaque data: no digits or capitalized words are looked for inside them.
OPAQUE = {"dna", "base64", "hex"}

DIGITS_RE = re.compile(r"(?<!\w)[0-9]+(?!\w)")
WORD_RE = re.compile(r"\w+")

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
_MONTH_ALT = "|".join(MONTHS)
ISO_DATE_RE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z)?(?![\w-])")
DMY_RE = re.compile(rf"(?<!\w)(\d{{1,2}}) ({_MONTH_ALT}) (\d{{4}})(?!\w)")
MDY_RE = re.compile(rf"(?<!\w)({_MONTH_ALT}) (\d{{1,2}}), (\d{{4}})(?!\w)")


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
        return True
    except ValueError:
        return False


def date_spans(text: str) -> list[Span]:
    """ISO dates (optionally with THH:MM:SSZ), '5 April 1932' and 'April 5, 1932', kept only when the date exists."""
    spans: list[Span] = []
    for m in ISO_DATE_RE.finditer(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        ok = _valid_date(y, mo, d)
        if ok and m[4] is not None:
            ok = int(m[4]) < 24 and int(m[5]) < 60 and int(m[6]) < 60
        if ok:
            spans.append((m.start(), m.end(), "date"))
    for m in DMY_RE.finditer(text):
        if _valid_date(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1])):
            spans.append((m.start(), m.end(), "date"))
    for m in MDY_RE.finditer(text):
        if _valid_date(int(m[3]), MONTHS.index(m[1]) + 1, int(m[2])):
            spans.append((m.start(), m.end(), "date"))
    return spans


def is_capitalized(word: str) -> bool:
    """At least two characters: one upper- or titlecase letter, then lowercase letters only (Unicode Lu/Lt, Ll)."""
    return (len(word) >= 2 and unicodedata.category(word[0]) in ("Lu", "Lt")
            and all(unicodedata.category(c) == "Ll" for c in word[1:]))


def add_rule_labels(doc: Doc, dates: bool) -> None:
    """Adds digits and capitalized_word spans (outside opaque spans) and, when asked, rule-based dates."""
    opaque = bytearray(len(doc.text))
    for s, e, label in doc.spans:
        if label in OPAQUE:
            opaque[s:e] = b"\x01" * (e - s)

    def clear(s: int, e: int) -> bool:
        return not any(opaque[s:e])

    found: list[Span] = []
    for m in DIGITS_RE.finditer(doc.text):
        if clear(m.start(), m.end()):
            found.append((m.start(), m.end(), "digits"))
    for m in WORD_RE.finditer(doc.text):
        if is_capitalized(m[0]) and clear(m.start(), m.end()):
            found.append((m.start(), m.end(), "capitalized_word"))
    if dates:
        found.extend(date_spans(doc.text))
    doc.spans.extend(found)


def python_spans(source: str) -> list[Span] | None:
    """code_string for every string literal (f-strings whole, on any Python version), code_comment for every
    '#' comment; None when the file does not tokenize."""
    line_starts = [0]
    for i, c in enumerate(source):
        if c == "\n":
            line_starts.append(i + 1)

    def offset(row_col: tuple[int, int]) -> int:
        return line_starts[row_col[0] - 1] + row_col[1]

    spans: list[Span] = []
    fstring_starts: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source, newline="\n").readline):
            name = tokenize.tok_name[tok.type]
            if name == "STRING" and not fstring_starts:
                spans.append((offset(tok.start), offset(tok.end), "code_string"))
            elif name == "COMMENT" and not fstring_starts:
                spans.append((offset(tok.start), offset(tok.end), "code_comment"))
            elif name == "FSTRING_START":  # Python >= 3.12 splits f-strings into tokens; keep them whole
                fstring_starts.append(offset(tok.start))
            elif name == "FSTRING_END":
                start = fstring_starts.pop()
                if not fstring_starts:
                    spans.append((start, offset(tok.end), "code_string"))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return spans
