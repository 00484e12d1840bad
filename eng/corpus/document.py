# The corpus document while it is being built (character offsets), a builder that records exact spans as text is
# appended, splitting long texts into documents, and the final JSON line (UTF-8 byte offsets). No labelling rules.
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field

Span = tuple[int, int, str]  # [start, end) in characters of Doc.text, label


@dataclass
class Doc:
    id: str
    domain: str
    language: str | None
    source: str
    text: str
    spans: list[Span] = field(default_factory=list)


class TextBuilder:
    """Appends text and records the spans a generator knows exactly: with b.span("hex"): b.add("3f")."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.spans: list[Span] = []

    def add(self, text: str, label: str | None = None) -> "TextBuilder":
        if label is not None and text:
            self.spans.append((self._length, self._length + len(text), label))
        self._parts.append(text)
        self._length += len(text)
        return self

    @contextmanager
    def span(self, label: str):
        start = self._length
        yield self
        if self._length > start:
            self.spans.append((start, self._length, label))

    def __len__(self) -> int:
        return self._length

    def text(self) -> str:
        return "".join(self._parts)


def split_at_lines(text: str, spans: list[Span], target: int, hard_max: int) -> list[tuple[int, int]]:
    """Cuts text into pieces of about `target` UTF-8 bytes at line starts that lie inside no span.

    Prefers a line start that follows a blank line (a paragraph or top-level code boundary); falls back to any
    line start when no such boundary comes before `hard_max` bytes. Returns [start, end) character ranges that
    cover the text."""
    inside = bytearray(len(text) + 1)
    for s, e, _ in spans:
        inside[s + 1:e] = b"\x01" * max(0, e - s - 1)
    byte_at = [0] * (len(text) + 1)
    for i, c in enumerate(text):
        byte_at[i + 1] = byte_at[i] + len(c.encode("utf-8"))
    starts = [i + 1 for i, c in enumerate(text) if c == "\n" and i + 1 < len(text) and not inside[i + 1]]
    preferred = [p for p in starts if p >= 2 and text[p - 2] == "\n"]
    pieces: list[tuple[int, int]] = []
    begin = 0
    while byte_at[-1] - byte_at[begin] > target * 3 // 2:
        cut = next((p for p in preferred if byte_at[p] - byte_at[begin] >= target), None)
        if cut is None or byte_at[cut] - byte_at[begin] > hard_max:
            cut = next((p for p in starts if byte_at[p] - byte_at[begin] >= target), None)
        if cut is None:
            break
        pieces.append((begin, cut))
        begin = cut
    pieces.append((begin, len(text)))
    return pieces


def cut_doc(doc: Doc, target: int = 4000, hard_max: int = 12000) -> list[Doc]:
    """Splits one long document into numbered pieces (ids ID/0, ID/1, …; a document that stays whole keeps its
    id), trimming surrounding blank lines."""
    pieces = split_at_lines(doc.text, doc.spans, target, hard_max)
    out = []
    for k, (s, e) in enumerate(pieces):
        while s < e and doc.text[s] == "\n":
            s += 1
        while e > s and doc.text[e - 1] in "\n ":
            e -= 1
        if e <= s:
            continue
        spans = [(a - s, b - s, l) for a, b, l in doc.spans if a >= s and b <= e]
        doc_id = doc.id if len(pieces) == 1 else f"{doc.id}/{k}"
        out.append(Doc(doc_id, doc.domain, doc.language, doc.source, doc.text[s:e], spans))
    return out


def split_of(doc_id: str) -> str:
    """validation when the first 8 bytes of sha256(id), as a big-endian integer, are 0 modulo 20 (5 %)."""
    h = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big")
    return "validation" if h % 20 == 0 else "train"


def to_json_line(doc: Doc) -> str:
    """One JSONL line with spans converted to UTF-8 byte offsets, sorted by (start, end, label), de-duplicated."""
    byte_at = [0] * (len(doc.text) + 1)
    acc = 0
    for i, c in enumerate(doc.text):
        byte_at[i] = acc
        acc += len(c.encode("utf-8"))
    byte_at[len(doc.text)] = acc
    spans = sorted({(byte_at[s], byte_at[e], l) for s, e, l in doc.spans if e > s})
    record = {
        "id": doc.id,
        "domain": doc.domain,
        "language": doc.language,
        "source": doc.source,
        "split": split_of(doc.id),
        "text": doc.text,
        "spans": [list(s) for s in spans],
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
