// Texts for tokenizer tests: named cases per hazard (whitespace runs, contractions, scripts, astral letters,
// emoji sequences, lone surrogates) plus seeded random mixes. Leaves out U+0085 and U+FEFF, where the JS
// reference's \s differs from Python's (tested separately).
using System.Text;

namespace InterpEval.Interp.Tests.Tokenizers;

internal static class TokenizerTexts
{
    public static readonly (string Name, string Text)[] Named =
    [
        ("prose", "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n\nHowever little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered as the rightful property of some one or other of their daughters."),
        ("hello", "Hello world"),
        ("code-csharp", "public static int Add(int a, int b)\n{\n    return a + b; // sum\n}\n\tif (x != null && y >= 0) { z++; }\n"),
        ("code-python", "def f(xs):\n    \"\"\"Docstring.\"\"\"\n    return [x ** 2 for x in xs if x % 2 == 0]\n\n\nclass A(B):\n\tpass  \n"),
        ("json", "{\"name\": \"value\", \"list\": [1, 2.5, -3e10], \"nested\": {\"k\": null}}"),
        ("spaces", "a  b   c    d     e"),
        ("leading-trailing", "   leading and trailing   "),
        ("only-spaces", "     "),
        ("tabs", "\t\tindented\t \tmixed\t"),
        ("newlines", "line one\nline two\n\n\nline five\r\nwindows\r\n"),
        ("newline-space-mix", " \n \n  x \n\n y\n"),
        ("single-space-end", "word "),
        ("numbers", "12345678901234567890 3.14159 1,000,000 -42 0x1F 2024-01-31 10:30"),
        ("contractions", "I'm you're we've they'll she'd it's don't can't"),
        ("contractions-upper", "I'M YOU'RE WE'VE THEY'LL SHE'D IT'S DON'T 'S 'T"),
        ("apostrophes", "'s's'sss ''s rock'n'roll O'Neil 'll've 're'd ' s"),
        ("cjk", "你好，世界！这是一个测试。日本語のテキスト、カタカナとひらがな。한국어 문장입니다."),
        ("cjk-astral", "𠀀𠀁𪚥 𠮷野家 a𠀀b"),
        ("astral-letters", "𝐀𝐁𝐂 bold 𝑥 italic a𝐀b 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
        ("astral-contractions", "𝐀's 𠀀'll 𝟘'd x𝐀've 𝔘'S"),
        ("astral-numbers", "𝟘𝟙𝟚 1𝟚3 x𝟘 𐒠𐒡"),
        ("other-numbers", "٣٤٥ ½ ¾ Ⅻ ⅷ ① ²³"),
        ("emoji", "👍 😀😀😀 a😀b 👋🏽 ❤️ 🇺🇸🇫🇷"),
        ("emoji-zwj", "👨‍👩‍👧‍👦 family 🏳️‍🌈 👩🏽‍💻"),
        ("cyrillic", "Привет, мир! Как дела? Съешь же ещё этих мягких французских булок."),
        ("greek", "Καλημέρα κόσμε, ὦ ἄνδρες Ἀθηναῖοι"),
        ("accented", "café naïve résumé Ærøskøbing Ångström façade Crème brûlée"),
        ("combining", "cafe\u0301 n\u0303o a\u0308\u0301 Z\u0351\u0353a\u0350lgo"),
        ("punctuation", "Hello!!! ...what?!? (yes) [no] {maybe} <tag/> @user #hash $100 % ^&* ~`|\\"),
        ("unicode-punctuation", "—–‘’“”«»„‹› … • · ¡¿ §¶ †‡"),
        ("arabic-hebrew", "مرحبا بالعالم שלום עולם"),
        ("devanagari-thai", "नमस्ते दुनिया สวัสดีชาวโลก"),
        ("unicode-spaces", "a\u00A0b\u3000c\u2028d\u2029e\u2003f \u00A0 g"),
        ("zero-width", "a\u200Bb\u200Cc\u200Dd\u2060e"),
        ("controls", "\u0000\u0001\u001f\u007f bell\u0007 esc\u001b[0m"),
        ("lone-surrogates", "x\uD800y \uDC00 z\uDBFF"),
        ("endoftext-literal", "before<|endoftext|>after <|endoftext|>"),
        ("long-word", new string('a', 300) + " " + string.Concat(Enumerable.Repeat("ACGT", 80))),
        ("empty", ""),
    ];

    private static readonly string[] pool =
    [
        "a", "b", "e", "s", "t", "r", "v", "m", "l", "d", "A", "S", "T", "Z", "0", "7", "9",
        " ", " ", " ", " ", "\t", "\n", "\r", "'", "'", "\"", ".", ",", "!", "?", "-", "_", "(", ")", "#", "$", "%", "&", "*", "/", "\\", "<", ">", "|",
        "é", "ß", "Ж", "ж", "Ω", "你", "好", "の", "ア", "한", "٣", "Ⅻ", "½", "\u0301", "\u00A0", "\u3000", "\u2028",
        "😀", "👍🏽", "\u200D", "\uFE0F", "\u200B", "𝐀", "𝟘", "𠀀", "\uD800", "\uDC00",
    ];

    /// <summary>Seeded random strings from a pool that mixes every character class the pattern distinguishes.</summary>
    public static List<string> Random(int count, int seed, bool bmpOnly = false)
    {
        var rng = new Random(seed);
        var choices = bmpOnly ? pool.Where(s => s.Length == 1 && !char.IsSurrogate(s[0])).ToArray() : pool;
        var texts = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            int length = rng.Next(1, 40);
            for (int j = 0; j < length; j++) sb.Append(choices[rng.Next(choices.Length)]);
            texts.Add(sb.ToString());
        }
        return texts;
    }

    /// <summary>Every named text, then 300 random ones.</summary>
    public static List<string> All() => [.. Named.Select(n => n.Text), .. Random(300, seed: 20240601)];
}
