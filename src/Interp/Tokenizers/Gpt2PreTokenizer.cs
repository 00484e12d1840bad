// GPT-2's pre-tokenisation regex, run as a hand-written scanner over Unicode code points so it splits
// exactly like Python's `regex` module. Only this one pattern; other tokenizers' patterns are not supported.
using System.Buffers;
using System.Text;

namespace InterpEval.Interp.Tokenizers;

/// <summary>
/// Splits text into the pieces GPT-2's pattern <see cref="Pattern"/> finds. .NET's Regex matches UTF-16 code
/// units, so <c>\p{L}</c> and <c>\p{N}</c> never match a surrogate pair there (𝐀 U+1D400, 𠀀 U+20000, 𝟘 U+1D7D8)
/// and such text would split differently from OpenAI's encoder; this scanner classifies whole code points.
/// <c>\s</c> is Unicode White_Space, as in Python's <c>regex</c> (so U+0085 is a space and U+FEFF is not).
/// A lone surrogate is neither letter, number nor space.
/// </summary>
public static class Gpt2PreTokenizer
{
    /// <summary>The pattern from OpenAI's encoder.py, which this scanner implements.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    internal enum CharClass : byte { Letter, Number, Space, Other }

    private static readonly CharClass[] asciiClass = BuildAsciiClasses();

    /// <summary>The pieces of <paramref name="text"/>, in order; they concatenate back to the text.</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (int at = 0; at < text.Length;)
        {
            int length = PieceLength(text.AsSpan(at));
            pieces.Add(text.Substring(at, length));
            at += length;
        }
        return pieces;
    }

    /// <summary>Length, in UTF-16 code units, of the piece the pattern matches at the start of a non-empty text.</summary>
    public static int PieceLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) throw new ArgumentException("text is empty — there is no piece to measure", nameof(text));
        int contraction = ContractionLength(text);
        if (contraction > 0) return contraction;
        if (text[0] == ' ' && text.Length > 1)
        {
            // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" take one leading space when a run follows it.
            CharClass next = Classify(text[1..], out _);
            if (next != CharClass.Space) return RunEnd(text, 1, next);
        }
        CharClass first = Classify(text, out _);
        if (first != CharClass.Space) return RunEnd(text, 0, first);
        // "\s+(?!\S)" backs off one character so the last space can join the next word; "\s+" takes a lone one.
        // Every White_Space character is a single UTF-16 unit, so "one character" is one unit.
        int end = RunEnd(text, 0, CharClass.Space);
        return end == text.Length || end == 1 ? end : end - 1;
    }

    /// <summary>The class of the code point at the start of <paramref name="text"/> and its width in UTF-16 units.</summary>
    internal static CharClass Classify(ReadOnlySpan<char> text, out int width)
    {
        char c = text[0];
        width = 1;
        if (c < 128) return asciiClass[c];
        if (Rune.DecodeFromUtf16(text, out Rune rune, out int consumed) != OperationStatus.Done) return CharClass.Other;
        width = consumed;
        return Classify(rune);
    }

    /// <summary>The class of one code point: \p{L}, \p{N}, \s (Unicode White_Space) or anything else.</summary>
    internal static CharClass Classify(Rune rune) =>
        Rune.IsLetter(rune) ? CharClass.Letter
        : Rune.IsNumber(rune) ? CharClass.Number
        : Rune.IsWhiteSpace(rune) ? CharClass.Space
        : CharClass.Other;

    private static int ContractionLength(ReadOnlySpan<char> text)
    {
        if (text.Length < 2 || text[0] != '\'') return 0;
        char c1 = text[1];
        if (c1 is 's' or 't' or 'm' or 'd') return 2;
        if (text.Length < 3) return 0;
        char c2 = text[2];
        return (c1 is 'r' or 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l') ? 3 : 0;
    }

    private static int RunEnd(ReadOnlySpan<char> text, int start, CharClass cls)
    {
        int at = start;
        while (at < text.Length && Classify(text[at..], out int width) == cls) at += width;
        return at;
    }

    private static CharClass[] BuildAsciiClasses()
    {
        var classes = new CharClass[128];
        for (int c = 0; c < 128; c++) classes[c] = Classify(new Rune(c));
        return classes;
    }
}
