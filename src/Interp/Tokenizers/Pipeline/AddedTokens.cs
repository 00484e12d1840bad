// AddedTokens — tokenizer.json's added_tokens and how Hugging Face's AddedVocabulary finds them in text before
// pre-tokenisation: leftmost-longest literal matches (a trie here, Aho-Corasick there), non-overlapping; single_word
// rejects a match inside a word, lstrip/rstrip swallow the whitespace beside it; `normalized` tokens are looked for
// in the normalised text, the others in the raw text. No encode_special_tokens switch beyond "special tokens as text".
namespace InterpEval.Interp.Tokenizers.Pipeline;

/// <summary>One entry of added_tokens.</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);

/// <summary>A stretch of text (Id null) or an added token's id with the text it covered.</summary>
internal readonly record struct Segment(string Text, int? Id, bool AtStart);

internal sealed class AddedTokenMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Next;
        public AddedToken? Token;
    }

    private readonly Node root = new();

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        foreach (var token in tokens)
        {
            var node = root;
            foreach (char c in token.Content)
            {
                node.Next ??= [];
                if (!node.Next.TryGetValue(c, out var child)) node.Next[c] = child = new Node();
                node = child;
            }
            node.Token ??= token;
        }
        IsEmpty = root.Next is null;
    }

    public bool IsEmpty { get; }

    /// <summary>Cuts <paramref name="segment"/> at the added tokens it contains (AddedVocabulary::find_matches).</summary>
    public void Split(Segment segment, bool includeSpecial, List<Segment> output)
    {
        string text = segment.Text;
        if (IsEmpty || text.Length == 0) { output.Add(segment); return; }
        int startOffset = 0;
        for (int i = 0; i < text.Length;)
        {
            var (token, end) = Longest(text, i);
            if (token is null) { i++; continue; }
            int start = i;
            i = end;
            if (token.Special && !includeSpecial) continue;
            if (token.SingleWord && ((start > 0 && IsWordChar(text, start, before: true)) || (end < text.Length && IsWordChar(text, end, before: false))))
                continue;
            if (token.LStrip)
            {
                int s = start;
                while (s > 0 && char.IsWhiteSpace(text[s - 1])) s--;
                start = Math.Max(s, startOffset);
            }
            if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (startOffset < start) output.Add(new Segment(text[startOffset..start], null, segment.AtStart && startOffset == 0));
            output.Add(new Segment(text[start..end], token.Id, false));
            startOffset = end;
            i = end;
        }
        if (startOffset < text.Length) output.Add(new Segment(text[startOffset..], null, segment.AtStart && startOffset == 0));
    }

    private (AddedToken? Token, int End) Longest(string text, int start)
    {
        AddedToken? best = null;
        int bestEnd = start;
        var node = root;
        for (int i = start; i < text.Length && node.Next is not null && node.Next.TryGetValue(text[i], out var child); i++)
        {
            node = child;
            if (node.Token is not null) { best = node.Token; bestEnd = i + 1; }
        }
        return (best, bestEnd);
    }

    // Rust's char::is_alphanumeric or '_' for the code point just before or at an index.
    private static bool IsWordChar(string text, int at, bool before)
    {
        int index = before ? at - 1 : at;
        if (before && index > 0 && char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1])) index--;
        if (!System.Text.Rune.TryGetRuneAt(text, index, out var rune)) return false;
        return rune.Value == '_' || System.Text.Rune.IsLetterOrDigit(rune) || System.Text.Rune.IsNumber(rune);
    }
}
