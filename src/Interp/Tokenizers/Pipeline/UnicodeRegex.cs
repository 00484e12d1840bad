// UnicodeRegex — a tokenizer.json regex (written for Oniguruma / Rust) run with .NET's Regex so that it matches over
// code points: .NET classifies UTF-16 units, so \p{L} would never match a letter outside the Basic Multilingual Plane.
// Each surrogate pair is replaced by one BMP stand-in of the same Unicode category before matching and the match
// bounds are mapped back. Left out: Oniguruma-only syntax (possessive quantifiers, POSIX brackets) — such a pattern
// fails to compile and the error names it.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace InterpEval.Interp.Tokenizers.Pipeline;

internal sealed class UnicodeRegex
{
    private static readonly char[] standInByCategory = BuildStandIns();
    private readonly Regex regex;

    /// <summary>Compiles <paramref name="pattern"/>; a pattern .NET rejects throws InvalidDataException naming it.</summary>
    public UnicodeRegex(string pattern, string where)
    {
        Pattern = pattern;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{where}: regex \"{pattern}\" does not compile in .NET ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    public string Pattern { get; }

    /// <summary>Non-overlapping matches as (start, end) in UTF-16 units of <paramref name="text"/>.</summary>
    public List<(int Start, int End)> Matches(string text)
    {
        var result = new List<(int, int)>();
        if (!HasSurrogates(text))
        {
            foreach (var m in regex.EnumerateMatches(text)) result.Add((m.Index, m.Index + m.Length));
            return result;
        }
        // Stand-in string: one char per code point; original[i] is where stand-in char i starts in text.
        var sb = new StringBuilder(text.Length);
        var original = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            original.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]));
                sb.Append(standInByCategory[(int)category]);
                i++;
            }
            else sb.Append(text[i]);
        }
        original.Add(text.Length);
        foreach (var m in regex.EnumerateMatches(sb.ToString()))
            result.Add((original[m.Index], original[m.Index + m.Length]));
        return result;
    }

    private static bool HasSurrogates(string text)
    {
        foreach (char c in text) if (char.IsSurrogate(c)) return true;
        return false;
    }

    // For each category the first BMP character from U+2100 on that has it: none of them appears in tokenizer patterns.
    private static char[] BuildStandIns()
    {
        var standIns = new char[32];
        for (int c = 0xFFFD; c >= 0x2100; c--)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            standIns[(int)CharUnicodeInfo.GetUnicodeCategory((char)c)] = (char)c;
        }
        standIns[(int)UnicodeCategory.Surrogate] = '\uFFFD';
        for (int i = 0; i < standIns.Length; i++) if (standIns[i] == '\0') standIns[i] = '\uFFFD';
        return standIns;
    }
}
