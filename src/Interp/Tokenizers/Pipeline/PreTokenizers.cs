// PreTokenizers — tokenizer.json "pre_tokenizer" steps: cut each stretch of normalised text into the pieces the model
// encodes separately. ByteLevel (GPT-2's regex, optional, and add_prefix_space; maps bytes to GPT-2's characters),
// Split (literal or regex; Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert), Digits,
// Metaspace (prepend_scheme always/first/never, split), Punctuation, Whitespace, WhitespaceSplit and Sequence, with
// the split rules of Hugging Face's tokenizers (Rust). Offsets are not tracked.
using System.Text;

namespace InterpEval.Interp.Tokenizers.Pipeline;

/// <summary>A piece of text; <paramref name="AtStart"/> when it begins at offset 0 of the whole input (Metaspace "first").</summary>
internal readonly record struct Piece(string Text, bool AtStart);

internal interface IPreTokenizer
{
    List<Piece> Split(List<Piece> pieces);
}

/// <summary>How a split keeps the pattern's matches (Hugging Face's SplitDelimiterBehavior).</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>Finds the delimiter matches in a text: (start, end) in UTF-16 units, non-overlapping, in order.</summary>
internal delegate List<(int Start, int End)> MatchFinder(string text);

internal static class Splitting
{
    /// <summary>Hugging Face's NormalizedString::split: matches and gaps, optionally inverted, combined by the behaviour.</summary>
    public static void Split(Piece piece, MatchFinder finder, SplitBehavior behavior, bool invert, List<Piece> output)
    {
        string text = piece.Text;
        var spans = new List<(int Start, int End, bool IsMatch)>();
        if (text.Length == 0) spans.Add((0, 0, false));
        else
        {
            int prev = 0;
            foreach (var (start, end) in finder(text))
            {
                if (prev != start) spans.Add((prev, start, false));
                spans.Add((start, end, true));
                prev = end;
            }
            if (prev != text.Length) spans.Add((prev, text.Length, false));
        }
        if (invert) spans = spans.Select(s => (s.Start, s.End, !s.IsMatch)).ToList();
        var kept = new List<(int Start, int End)>();
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                kept.AddRange(spans.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Isolated:
                kept.AddRange(spans.Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var s in spans)
                {
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (int i = spans.Count - 1; i >= 0; i--)
                {
                    var s = spans[i];
                    if (s.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (s.Start, kept[^1].End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                kept.Reverse();
                break;
            case SplitBehavior.Contiguous:
                foreach (var s in spans)
                {
                    if (s.IsMatch == previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, s.End);
                    else kept.Add((s.Start, s.End));
                    previousMatch = s.IsMatch;
                }
                break;
        }
        foreach (var (start, end) in kept)
            if (end > start) output.Add(new Piece(text[start..end], piece.AtStart && start == 0));
    }

    /// <summary>Each code point for which <paramref name="predicate"/> holds is a match of its own.</summary>
    public static MatchFinder Chars(Func<Rune, bool> predicate) => text =>
    {
        var matches = new List<(int, int)>();
        for (int i = 0; i < text.Length;)
        {
            int width = Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done ? consumed : 1;
            if (width == consumed && predicate(rune)) matches.Add((i, i + width));
            i += width;
        }
        return matches;
    };

    /// <summary>Non-overlapping occurrences of a literal, left to right.</summary>
    public static MatchFinder Literal(string literal) => text =>
    {
        var matches = new List<(int, int)>();
        if (literal.Length == 0) return matches;
        for (int at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
            matches.Add((at, at + literal.Length));
        return matches;
    };

    public static List<Piece> Apply(List<Piece> pieces, MatchFinder finder, SplitBehavior behavior, bool invert = false)
    {
        var output = new List<Piece>(pieces.Count * 2);
        foreach (var piece in pieces) Split(piece, finder, behavior, invert, output);
        return output;
    }
}

/// <summary>ByteLevel: optional prefix space, optional GPT-2 regex split, then each UTF-8 byte as GPT-2's character.</summary>
internal sealed record ByteLevelPreTokenizer(bool AddPrefixSpace, bool UseRegex) : IPreTokenizer
{
    public List<Piece> Split(List<Piece> pieces)
    {
        var output = new List<Piece>(pieces.Count);
        foreach (var piece in pieces)
        {
            string text = AddPrefixSpace && !piece.Text.StartsWith(' ') ? " " + piece.Text : piece.Text;
            if (!UseRegex) { output.Add(new Piece(ToByteChars(text), piece.AtStart)); continue; }
            bool first = true;
            foreach (string part in Gpt2PreTokenizer.Split(text))
            {
                output.Add(new Piece(ToByteChars(part), piece.AtStart && first));
                first = false;
            }
        }
        return output;
    }

    /// <summary>UTF-8 bytes as GPT-2's byte characters; a lone surrogate becomes U+FFFD's bytes.</summary>
    public static string ToByteChars(string text) => ByteUnicodeMap.ToSymbol(Encoding.UTF8.GetBytes(text));
}

internal sealed record SplitPreTokenizer(MatchFinder Finder, SplitBehavior Behavior, bool Invert) : IPreTokenizer
{
    public List<Piece> Split(List<Piece> pieces) => Splitting.Apply(pieces, Finder, Behavior, Invert);
}

/// <summary>Digits: numeric code points (Rust's char::is_numeric, \p{N}) alone or in runs.</summary>
internal sealed record DigitsPreTokenizer(bool IndividualDigits) : IPreTokenizer
{
    private static readonly MatchFinder numeric = Splitting.Chars(Rune.IsNumber);

    public List<Piece> Split(List<Piece> pieces) =>
        Splitting.Apply(pieces, numeric, IndividualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous);
}

/// <summary>Punctuation: ASCII punctuation and Unicode P* code points.</summary>
internal sealed record PunctuationPreTokenizer(SplitBehavior Behavior) : IPreTokenizer
{
    private static readonly MatchFinder punctuation = Splitting.Chars(r =>
        (r.IsAscii && char.IsAsciiLetterOrDigit((char)r.Value) is false && r.Value is > 0x20 and < 0x7F) || Rune.IsPunctuation(r));

    public List<Piece> Split(List<Piece> pieces) => Splitting.Apply(pieces, punctuation, Behavior);
}

/// <summary>Whitespace: keep the runs \w+ and [^\w\s]+ (Rust's Unicode \w), drop the rest.</summary>
internal sealed record WhitespacePreTokenizer : IPreTokenizer
{
    private const string Word = @"\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u200C\u200D";
    private static readonly UnicodeRegex words = new($"[{Word}]+|[^{Word}\\s]+", "Whitespace");

    public List<Piece> Split(List<Piece> pieces) => Splitting.Apply(pieces, words.Matches, SplitBehavior.Removed, invert: true);
}

/// <summary>WhitespaceSplit: split on White_Space, dropping it.</summary>
internal sealed record WhitespaceSplitPreTokenizer : IPreTokenizer
{
    private static readonly MatchFinder spaces = Splitting.Chars(Rune.IsWhiteSpace);

    public List<Piece> Split(List<Piece> pieces) => Splitting.Apply(pieces, spaces, SplitBehavior.Removed);
}

/// <summary>How Metaspace puts the replacement character in front of a piece.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>Metaspace: spaces become the replacement (▁), prepended per the scheme, optionally split before each ▁.</summary>
internal sealed record MetaspacePreTokenizer(string Replacement, PrependScheme Scheme, bool SplitOnReplacement) : IPreTokenizer
{
    public List<Piece> Split(List<Piece> pieces)
    {
        var replaced = new List<Piece>(pieces.Count);
        foreach (var piece in pieces)
        {
            string text = piece.Text.Replace(" ", Replacement, StringComparison.Ordinal);
            bool prepend = Scheme == PrependScheme.Always || (Scheme == PrependScheme.First && piece.AtStart);
            if (prepend && !text.StartsWith(Replacement, StringComparison.Ordinal)) text = Replacement + text;
            replaced.Add(piece with { Text = text });
        }
        return SplitOnReplacement ? Splitting.Apply(replaced, Splitting.Literal(Replacement), SplitBehavior.MergedWithNext) : replaced;
    }
}

internal sealed record SequencePreTokenizer(IReadOnlyList<IPreTokenizer> Steps) : IPreTokenizer
{
    public List<Piece> Split(List<Piece> pieces)
    {
        foreach (var step in Steps) pieces = step.Split(pieces);
        return pieces;
    }
}
