// Cuts text at special tokens (leftmost match, longest first where two start at one place), before
// pre-tokenisation, as Hugging Face's added-token matching does. No lstrip/rstrip/single_word options.
using System.Text.RegularExpressions;

namespace InterpEval.Interp.Tokenizers;

internal sealed class SpecialTokenSplitter
{
    private readonly Regex? pattern;
    private readonly Dictionary<string, int> idByContent;

    public SpecialTokenSplitter(IReadOnlyList<SpecialToken> specialTokens)
    {
        idByContent = specialTokens.ToDictionary(s => s.Content, s => s.Id, StringComparer.Ordinal);
        if (idByContent.Count == 0) return;
        var alternatives = idByContent.Keys.OrderByDescending(c => c.Length).ThenBy(c => c, StringComparer.Ordinal)
            .Select(Regex.Escape);
        pattern = new Regex(string.Join("|", alternatives), RegexOptions.CultureInvariant);
    }

    /// <summary>
    /// Calls <paramref name="onText"/> for each stretch of ordinary text (never empty) and <paramref name="onSpecial"/>
    /// for each special token, in order.
    /// </summary>
    public void Split(ReadOnlySpan<char> text, TextAction onText, Action<int> onSpecial)
    {
        int at = 0;
        if (pattern is not null)
        {
            foreach (var match in pattern.EnumerateMatches(text))
            {
                if (match.Index > at) onText(text[at..match.Index]);
                onSpecial(idByContent[text.Slice(match.Index, match.Length).ToString()]);
                at = match.Index + match.Length;
            }
        }
        if (at < text.Length) onText(text[at..]);
    }

    public delegate void TextAction(ReadOnlySpan<char> text);
}
