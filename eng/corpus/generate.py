# Generated domains whose labels are exact because the generator emits them: dna, base64, hex, arithmetic, json,
# dates. Each domain draws from its own seeded random.Random; nothing here reads packages or applies rules.
import base64
import datetime
import json
import random
from decimal import Decimal
from typing import Callable

from document import Doc, TextBuilder

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
MONTHS_SHORT = [m[:3] for m in MONTHS]
WEEKDAYS_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Edsger", "Frances",
               "José", "Zoë", "Søren", "Chidi", "Mei", "Aarav", "Olga", "Yusuf", "Amara", "Hiroshi"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Dijkstra",
              "Allen", "García", "Müller", "Kierkegaard", "Okafor", "Chen", "Sharma", "Ivanova", "Demir", "Mensah",
              "Tanaka"]
CITIES = ["Lisbon", "Nairobi", "Osaka", "Toronto", "Lima", "Oslo", "Cairo", "Hanoi", "Kraków", "São Paulo",
          "Reykjavík", "Montréal", "Zürich", "Chennai", "Accra", "Busan", "Quito", "Tbilisi", "Perth", "Dakar"]
WORDS = ["alpha", "beta", "gamma", "delta", "river", "stone", "cloud", "ember", "maple", "harbor", "signal",
         "vector", "quartz", "meadow", "lantern", "copper", "falcon", "willow", "orbit", "canyon"]
ORGANISMS = ["Escherichia coli", "Homo sapiens", "Mus musculus", "Saccharomyces cerevisiae", "Arabidopsis thaliana",
             "Drosophila melanogaster", "Danio rerio", "Bacillus subtilis", "Caenorhabditis elegans", "Zea mays"]
GENES = ["lacZ", "recA", "BRCA1", "TP53", "GAL4", "FLC", "white", "rpoB", "unc-22", "gyrA", "ACT1", "HBB"]


def _date(rng: random.Random) -> datetime.date:
    return datetime.date(1900, 1, 1) + datetime.timedelta(days=rng.randrange(73000))


def _time(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(24), rng.randrange(60), rng.randrange(60)


def format_date(rng: random.Random, d: datetime.date) -> str:
    """One date in one of eight formats (the ones docs/corpus.md lists); month names are English, locale-free."""
    h, mi, s = _time(rng)
    kind = rng.randrange(8)
    if kind == 0:
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    if kind == 1:
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{h:02d}:{mi:02d}:{s:02d}Z"
    if kind == 2:
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if kind == 3:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    if kind == 4:
        return f"{MONTHS_SHORT[d.month - 1]} {d.day}, {d.year}"
    if kind == 5:
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    if kind == 6:
        return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"
    return (f"{WEEKDAYS_SHORT[d.weekday()]}, {d.day:02d} {MONTHS_SHORT[d.month - 1]} {d.year:04d} "
            f"{h:02d}:{mi:02d}:{s:02d} GMT")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# ---------------------------------------------------------------- dna

def _sequence(rng: random.Random, length: int) -> str:
    gc = 0.3 + 0.4 * rng.random()
    weights = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    out: list[str] = []
    while len(out) < length:
        if rng.random() < 0.004:
            out.extend(rng.choice(["CAG", "TA", "GATC", "AT", "CCG"]) * rng.randrange(3, 9))
        else:
            out.append(rng.choices("ACGT", weights)[0])
    return "".join(out[:length])


def dna_doc(rng: random.Random, b: TextBuilder) -> None:
    if rng.random() < 0.7:
        length = rng.randrange(120, 900)
        width = rng.choice([60, 70, 80])
        b.add(f">seq_{rng.randrange(100000):05d} {rng.choice(ORGANISMS)} {rng.choice(GENES)} "
              f"length={length}\n")
        seq = _sequence(rng, length)
        for k in range(0, length, width):
            b.add(seq[k:k + width], "dna").add("\n")
    else:
        b.add(f"Forward primer for {rng.choice(GENES)}: 5'-")
        b.add(_sequence(rng, rng.randrange(18, 28)), "dna")
        b.add(f"-3' (Tm {rng.randrange(52, 66)} C, GC {rng.randrange(35, 65)}%)\nReverse primer: 5'-")
        b.add(_sequence(rng, rng.randrange(18, 28)), "dna")
        b.add("-3'\n")
    b.add("\n")


# ---------------------------------------------------------------- base64

def _payload(rng: random.Random) -> bytes:
    if rng.random() < 0.4:
        words = [rng.choice(WORDS + LAST_NAMES) for _ in range(rng.randrange(2, 12))]
        return " ".join(words).encode("utf-8")
    return bytes(rng.getrandbits(8) for _ in range(rng.randrange(4, 200)))


def base64_doc(rng: random.Random, b: TextBuilder) -> None:
    kind = rng.randrange(4)
    if kind == 0:
        title = rng.choice(["CERTIFICATE", "PUBLIC KEY", "ENCRYPTED DATA", "SIGNATURE"])
        encoded = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randrange(48, 700)))).decode()
        b.add(f"-----BEGIN {title}-----\n")
        for k in range(0, len(encoded), 64):
            b.add(encoded[k:k + 64], "base64").add("\n")
        b.add(f"-----END {title}-----\n")
    elif kind == 1:
        mime = rng.choice(["image/png", "image/gif", "application/octet-stream", "font/woff2", "text/plain"])
        b.add(f'<img alt="{rng.choice(WORDS)}" src="data:{mime};base64,')
        b.add(base64.b64encode(_payload(rng)).decode(), "base64").add('">\n')
    elif kind == 2:
        user = f"{rng.choice(FIRST_NAMES).lower()}:{rng.choice(WORDS)}{rng.randrange(100)}"
        b.add(f"GET /api/{rng.choice(WORDS)} HTTP/1.1\nHost: {rng.choice(WORDS)}.example.org\nAuthorization: Basic ")
        b.add(base64.b64encode(user.encode("utf-8")).decode(), "base64").add("\n")
    else:
        b.add(f"{rng.choice(WORDS)}_blob: ")
        b.add(base64.b64encode(_payload(rng)).decode(), "base64").add("\n")
    b.add("\n")


# ---------------------------------------------------------------- hex

def _hex(rng: random.Random, n_bytes: int, upper: bool = False) -> str:
    s = bytes(rng.getrandbits(8) for _ in range(n_bytes)).hex()
    return s.upper() if upper else s


def hex_doc(rng: random.Random, b: TextBuilder) -> None:
    kind = rng.randrange(6)
    if kind == 0:  # xxd-style dump: offset, eight 2-byte groups, printable column
        data = _payload(rng) if rng.random() < 0.5 else bytes(rng.getrandbits(8) for _ in range(64))
        base = rng.randrange(0, 1 << 16) * 16
        for k in range(0, len(data), 16):
            row = data[k:k + 16]
            b.add(f"{base + k:08x}", "hex").add(": ")
            for g in range(0, len(row), 2):
                b.add(row[g:g + 2].hex(), "hex").add(" ")
            b.add(" " * (5 * (8 - (len(row) + 1) // 2)) + " ")
            b.add("".join(chr(c) if 32 <= c < 127 else "." for c in row)).add("\n")
    elif kind == 1:
        algo, n = rng.choice([("sha256", 32), ("sha1", 20), ("md5", 16)])
        b.add(f"{algo}: ").add(_hex(rng, n), "hex").add(f"  {rng.choice(WORDS)}-{rng.randrange(10)}.tar.gz\n")
    elif kind == 2:
        b.add("commit ").add(_hex(rng, 20), "hex").add(f"\nAuthor: {_name(rng)}\n")
    elif kind == 3:
        b.add(f"  #{rng.randrange(12)} 0x").add(_hex(rng, rng.choice([4, 6, 8])), "hex")
        b.add(f" in {rng.choice(WORDS)}_{rng.choice(WORDS)}()\n")
    elif kind == 4:
        b.add(f".{rng.choice(WORDS)} {{ color: #").add(_hex(rng, 3, rng.random() < 0.3), "hex").add("; }\n")
    else:
        b.add(f"id = {rng.choice(WORDS)}-")
        for k, n in enumerate([4, 2, 2, 2, 6]):
            b.add("-" if k else "").add(_hex(rng, n), "hex")
        b.add("\nbytes = [")
        for k in range(rng.randrange(3, 12)):
            b.add(", " if k else "").add("0x").add(_hex(rng, 1, rng.random() < 0.5), "hex")
        b.add("]\n")
    b.add("\n")


# ---------------------------------------------------------------- arithmetic

def _number(x: Decimal) -> str:
    """Plain decimal notation without trailing zeros: 95, -7, 12.5 (never 1E+2)."""
    s = format(x, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def equation(rng: random.Random) -> str:
    """'a op b = c', true in exact arithmetic; integers (sometimes negative) or short decimals."""
    op = rng.choice("+-*/×÷")
    if rng.random() < 0.15 and op in "+-":
        a, b = Decimal(rng.randrange(1, 10000)) / 100, Decimal(rng.randrange(1, 10000)) / 100
    else:
        scale = rng.choice([10, 100, 1000])
        a, b = Decimal(rng.randrange(-scale // 10, scale)), Decimal(rng.randrange(1, scale))
    if op in "/÷":
        a = a * b
    c = {"+": a + b, "-": a - b, "*": a * b, "×": a * b, "/": a / b, "÷": a / b}[op]
    space = " " if rng.random() < 0.8 else ""
    return f"{_number(a)}{space}{op}{space}{_number(b)}{space}={space}{_number(c)}"


def arithmetic_doc(rng: random.Random, b: TextBuilder) -> None:
    kind = rng.randrange(3)
    if kind == 0:
        for _ in range(rng.randrange(3, 10)):
            b.add(equation(rng), "arithmetic").add("\n")
    elif kind == 1:
        eq = equation(rng)
        b.add(f"Q: What is {eq.split('=')[0].strip()}?\nA: ").add(eq, "arithmetic").add("\n")
    else:
        b.add(f"{rng.choice(FIRST_NAMES)} checks the ledger: ").add(equation(rng), "arithmetic")
        b.add(", and then ").add(equation(rng), "arithmetic").add(".\n")
    b.add("\n")


# ---------------------------------------------------------------- json

def _json_value(rng: random.Random, depth: int):
    r = rng.random()
    if depth < 2 and r < 0.15:
        return {rng.choice(WORDS): _json_value(rng, depth + 1) for _ in range(rng.randrange(1, 4))}
    if depth < 2 and r < 0.25:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if r < 0.45:
        return rng.choice([_name(rng), rng.choice(CITIES), rng.choice(WORDS), f"{rng.choice(WORDS)} \"quoted\"",
                           f"line\nbreak {rng.choice(WORDS)}"])
    if r < 0.55:
        return ("date", format_date(rng, _date(rng)) if rng.random() < 0.3 else str(_date(rng)))
    if r < 0.75:
        return rng.randrange(-1000, 100000)
    if r < 0.85:
        return round(rng.uniform(-100, 100), rng.randrange(1, 5))
    return rng.choice([True, False, None])


def _emit_json(b: TextBuilder, value, indent: int | None, level: int) -> None:
    pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
    end_pad = "" if indent is None else "\n" + " " * (indent * level)
    sep = ", " if indent is None else ","
    if isinstance(value, tuple):  # ("date", text): a string whose content is also a date
        with b.span("json_string"):
            b.add('"').add(value[1], "date").add('"')
    elif isinstance(value, str):
        b.add(json.dumps(value, ensure_ascii=False), "json_string")
    elif isinstance(value, dict):
        b.add("{")
        for k, (key, item) in enumerate(value.items()):
            b.add(sep if k else "").add(pad).add(json.dumps(key, ensure_ascii=False), "json_key").add(": ")
            _emit_json(b, item, indent, level + 1)
        b.add((end_pad if value else "") + "}")
    elif isinstance(value, list):
        b.add("[")
        for k, item in enumerate(value):
            b.add(sep if k else "").add(pad)
            _emit_json(b, item, indent, level + 1)
        b.add((end_pad if value else "") + "]")
    else:
        b.add(json.dumps(value))


def json_doc(rng: random.Random, b: TextBuilder) -> None:
    record = {"id": rng.randrange(1, 10 ** 6), "name": _name(rng), "city": rng.choice(CITIES)}
    for _ in range(rng.randrange(1, 6)):
        record[rng.choice(WORDS + ["created", "updated", "tags", "score", "active"])] = _json_value(rng, 0)
    _emit_json(b, record, rng.choice([None, 2, 4]), 0)
    b.add("\n\n")


# ---------------------------------------------------------------- dates

def dates_doc(rng: random.Random, b: TextBuilder) -> None:
    kind = rng.randrange(4)
    if kind == 0:
        for _ in range(rng.randrange(2, 6)):
            d = _date(rng)
            h, mi, s = _time(rng)
            b.add(f"{d.isoformat()}T{h:02d}:{mi:02d}:{s:02d}Z", "date")
            b.add(f" {rng.choice(['INFO', 'WARN', 'ERROR', 'DEBUG'])} {rng.choice(WORDS)} job "
                  f"{rng.choice(['started', 'finished', 'retried', 'failed'])}\n")
    elif kind == 1:
        b.add(f"{_name(rng)} was born on ").add(format_date(rng, _date(rng)), "date")
        b.add(f" in {rng.choice(CITIES)} and moved on ").add(format_date(rng, _date(rng)), "date").add(".\n")
    elif kind == 2:
        b.add(f"Invoice {rng.randrange(1000, 9999)} dated ").add(format_date(rng, _date(rng)), "date")
        b.add(", due ").add(format_date(rng, _date(rng)), "date").add(".\n")
    else:
        d = _date(rng)
        h, mi, s = _time(rng)
        b.add("Last-Modified: ")
        b.add(f"{WEEKDAYS_SHORT[d.weekday()]}, {d.day:02d} {MONTHS_SHORT[d.month - 1]} {d.year:04d} "
              f"{h:02d}:{mi:02d}:{s:02d} GMT", "date").add("\n")
    b.add("\n")


GENERATORS: dict[str, Callable[[random.Random, TextBuilder], None]] = {
    "dna": dna_doc,
    "base64": base64_doc,
    "hex": hex_doc,
    "arithmetic": arithmetic_doc,
    "json": json_doc,
    "dates": dates_doc,
}


def generated_docs(domain: str, count: int, doc_chars: int) -> list[Doc]:
    """`count` documents of about `doc_chars` characters, each a run of independent records of one domain."""
    rng = random.Random(f"interp-eval corpus {domain}")
    docs = []
    for k in range(count):
        b = TextBuilder()
        while len(b) < doc_chars:
            GENERATORS[domain](rng, b)
        text = b.text().rstrip("\n")
        spans = [s for s in b.spans if s[1] <= len(text)]
        docs.append(Doc(f"generated:{domain}/{k:04d}", domain, None, "generated", text, spans))
    return docs
