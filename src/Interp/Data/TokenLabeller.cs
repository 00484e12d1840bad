// TokenLabeller — carries the corpus's byte-span labels onto tokens. Rule: a token carries a span's label when its
// UTF-8 byte range [start, end) shares at least one byte with the span [StartByte, EndByte) — so a token that straddles
// a span's edge carries it, and a multi-byte character split over two tokens labels both. Every token of a document
// whose language has a concept (ConceptSet.LanguageConcepts) carries that concept too. Documents are joined as the
// subject model was trained: each preceded by the separator token, which carries nothing. It labels no generated text
// (GeneratedTextLabeller does).
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Data;

public sealed class TokenLabeller(ITokenizer tokenizer, ConceptSet concepts)
{
    public ConceptSet Concepts => concepts;

    /// <summary>Per-token concept masks of one document, aligned with <paramref name="offsets"/>.</summary>
    public ulong[] Label(CorpusDocument document, TokenOffsets offsets)
    {
        var masks = new ulong[offsets.Count];
        if (document.Language is { } language && ConceptSet.LanguageConcept(language) is { } name && concepts.Contains(name))
            Array.Fill(masks, concepts.Bit(name));
        foreach (var span in document.Spans)
        {
            if (!concepts.Contains(span.Label)) continue;
            ulong bit = concepts.Bit(span.Label);
            // First token ending after the span starts; every token from there that starts before the span ends overlaps it.
            for (int t = FirstEndingAfter(offsets.Ends, span.StartByte); t < offsets.Count && offsets.Starts[t] < span.EndByte; t++)
                masks[t] |= bit;
        }
        return masks;
    }

    /// <summary>The documents' tokens and labels, each document preceded by the separator (when given), stopping once
    /// the stream holds maxTokens tokens (the last document is cut there).</summary>
    public LabelledTokens Stream(IEnumerable<CorpusDocument> documents, int? separator, int maxTokens = int.MaxValue)
    {
        var ids = new List<long>();
        var masks = new List<ulong>();
        var isSeparator = new List<bool>();
        foreach (var document in documents)
        {
            if (ids.Count >= maxTokens) break;
            if (separator is int s) { ids.Add(s); masks.Add(0); isSeparator.Add(true); }
            var offsets = tokenizer.EncodeWithOffsets(document.Text);
            var documentMasks = Label(document, offsets);
            for (int t = 0; t < offsets.Count; t++) { ids.Add(offsets.Ids[t]); masks.Add(documentMasks[t]); isSeparator.Add(false); }
        }
        int n = Math.Min(ids.Count, maxTokens);
        return new LabelledTokens(ids.Take(n).ToArray(), masks.Take(n).ToArray(), isSeparator.Take(n).ToArray(), concepts);
    }

    private static int FirstEndingAfter(int[] ends, int start)
    {
        int lo = 0, hi = ends.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > start) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}
