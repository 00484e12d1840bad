# A JavaScript lexical scanner that finds string literals, template-literal text and comments (code_string,
# code_comment). It tracks regex literals and template nesting only to stay in sync; it builds no syntax tree.
from document import Span

KEYWORDS_BEFORE_EXPRESSION = {
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else",
    "yield", "await",
}
# After these a '/' is division; after anything else (an operator, '(' ',' '{' '}' ';', a keyword above, or the
# start of the file) it opens a regular expression literal.
VALUE_END = {"ident", "num", "string", "template", "regex", ")", "]"}


class JsScanError(Exception):
    pass


def _is_ident_char(c: str) -> bool:
    return c.isalnum() or c in "_$" or ord(c) > 127


def js_spans(src: str) -> list[Span]:
    """code_comment: '//…' to the end of the line, '/*…*/'. code_string: '…' and "…" with their quotes; a
    template literal's text pieces with their delimiters (` or } at the start, ` or ${ at the end)."""
    spans: list[Span] = []
    n = len(src)
    i = 0
    prev = None  # kind of the last significant token: see VALUE_END
    template_braces: list[int] = []  # one entry per open ${…}: the '{' depth inside it

    def template_piece(start: int) -> int:
        """Scans template text from `start` (just after ` or }) to the closing ` or ${; returns the index after it."""
        j = start
        while j < n:
            c = src[j]
            if c == "\\":
                j += 2
            elif c == "`":
                return j + 1
            elif c == "$" and j + 1 < n and src[j + 1] == "{":
                template_braces.append(0)
                return j + 2
            else:
                j += 1
        raise JsScanError(f"unterminated template literal starting at {start}")

    while i < n:
        c = src[i]
        if c in " \t\r\n\f\v\ufeff\u00a0\u2028\u2029":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            spans.append((i, j, "code_comment"))
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise JsScanError(f"unterminated block comment at {i}")
            spans.append((i, j + 2, "code_comment"))
            i = j + 2
        elif c in "'\"":
            j = i + 1
            while j < n and src[j] != c:
                if src[j] == "\n":
                    raise JsScanError(f"unterminated string literal at {i}")
                j += 2 if src[j] == "\\" else 1
            if j >= n:
                raise JsScanError(f"unterminated string literal at {i}")
            spans.append((i, j + 1, "code_string"))
            i = j + 1
            prev = "string"
        elif c == "`":
            j = template_piece(i + 1)
            spans.append((i, j, "code_string"))
            i = j
            prev = "template" if src[j - 1] == "`" else "("
        elif c == "/" and prev not in VALUE_END:
            j = i + 1
            in_class = False
            while j < n and (in_class or src[j] != "/"):
                if src[j] == "\n":
                    raise JsScanError(f"unterminated regular expression at {i}")
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and _is_ident_char(src[j]):
                j += 1
            i = j
            prev = "regex"
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i + 1
            while j < n and (_is_ident_char(src[j]) or src[j] == "."):
                j += 1
            i = j
            prev = "num"
        elif _is_ident_char(c):
            j = i + 1
            while j < n and _is_ident_char(src[j]):
                j += 1
            word = src[i:j]
            prev = "keyword" if word in KEYWORDS_BEFORE_EXPRESSION else "ident"
            i = j
        elif c == "{":
            if template_braces:
                template_braces[-1] += 1
            prev = "{"
            i += 1
        elif c == "}":
            if template_braces and template_braces[-1] == 0:
                template_braces.pop()
                j = template_piece(i + 1)
                spans.append((i, j, "code_string"))
                prev = "template" if src[j - 1] == "`" else "("
                i = j
            else:
                if template_braces:
                    template_braces[-1] -= 1
                prev = "}"
                i += 1
        else:
            prev = c
            i += 1
    if template_braces:
        raise JsScanError("unterminated template substitution at end of file")
    return spans
