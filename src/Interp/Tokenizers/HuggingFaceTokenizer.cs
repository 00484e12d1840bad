// HuggingFaceTokenizer — a tokenizer.json run as Hugging Face's tokenizers library runs it: added tokens found in the
// raw text, normalizer, added tokens found in the normalised text, pre-tokenizer, BPE model; the post-processor for
// EncodeWithSpecialTokens; the decoder for Decode. Built by HuggingFaceTokenizerReader. No truncation, padding, pairs
// or offsets through normalizers.
using System.Text;
using InterpEval.Interp.Tokenizers.Pipeline;

namespace InterpEval.Interp.Tokenizers;

public sealed class HuggingFaceTokenizer : ITokenizer
{
    private readonly AddedTokenMatcher rawMatcher;
    private readonly AddedTokenMatcher normalizedMatcher;
    private readonly INormalizer? normalizer;
    private readonly IPreTokenizer? preTokenizer;
    private readonly BpeModel model;
    private readonly IPostProcessor? postProcessor;
    private readonly ITokenDecoder? decoder;
    private readonly string?[] tokenById;
    private readonly byte[]?[] bytesById;

    internal HuggingFaceTokenizer(string source, IReadOnlyList<AddedToken> added, INormalizer? normalizer, IPreTokenizer? preTokenizer,
        BpeModel model, Dictionary<string, int> vocab, IPostProcessor? postProcessor, ITokenDecoder? decoder)
    {
        Source = source;
        rawMatcher = new AddedTokenMatcher(added.Where(a => !a.Normalized));
        normalizedMatcher = new AddedTokenMatcher(added.Where(a => a.Normalized));
        (this.normalizer, this.preTokenizer, this.model, this.postProcessor, this.decoder) = (normalizer, preTokenizer, model, postProcessor, decoder);
        int count = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(a => a.Id) + 1);
        tokenById = new string?[count];
        foreach (var (token, id) in vocab) tokenById[id] = token;
        foreach (var a in added) tokenById[a.Id] = a.Content;
        bytesById = new byte[]?[count];
        AddedTokens = added;
        if (Id("<|endoftext|>") is int eot) EndOfTextId = eot;
    }

    /// <summary>The tokenizer.json this was read from.</summary>
    public string Source { get; }

    internal IReadOnlyList<AddedToken> AddedTokens { get; }

    public int VocabSize => tokenById.Length;

    public int? EndOfTextId { get; }

    /// <summary>The id of a token given as written in the vocabulary or added_tokens, or null.</summary>
    public int? Id(string token)
    {
        foreach (var a in AddedTokens) if (a.Content == token) return a.Id;
        int index = Array.IndexOf(tokenById, token);
        return index >= 0 ? index : null;
    }

    /// <summary>A token as the vocabulary writes it ("Ġthe", "▁the", "&lt;bos&gt;").</summary>
    public string Token(int id) => tokenById[CheckId(id)] ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not assigned");

    public int[] Encode(string text, bool recognizeSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 1);
        Encode(text, ids, recognizeSpecialTokens);
        return ids.ToArray();
    }

    public void Encode(ReadOnlySpan<char> text, List<int> ids, bool recognizeSpecialTokens = true)
    {
        var raw = new List<Segment>();
        rawMatcher.Split(new Segment(text.ToString(), null, true), recognizeSpecialTokens, raw);
        foreach (var segment in raw)
        {
            if (segment.Id is int id) { ids.Add(id); continue; }
            var normalizedSegment = segment with { Text = normalizer?.Normalize(segment.Text) ?? segment.Text };
            var parts = new List<Segment>();
            normalizedMatcher.Split(normalizedSegment, recognizeSpecialTokens, parts);
            foreach (var part in parts)
            {
                if (part.Id is int partId) { ids.Add(partId); continue; }
                if (part.Text.Length == 0) continue;
                var pieces = new List<Piece> { new(part.Text, part.AtStart) };
                if (preTokenizer is not null) pieces = preTokenizer.Split(pieces);
                foreach (var piece in pieces) model.Encode(piece.Text, ids);
            }
        }
    }

    public int[] EncodeWithSpecialTokens(string text)
    {
        var ids = new List<int>();
        Encode(text, ids);
        return (postProcessor?.Process(ids) ?? ids).ToArray();
    }

    public TokenOffsets EncodeWithOffsets(string text)
    {
        int[] ids = Encode(text, recognizeSpecialTokens: false);
        var starts = new int[ids.Length];
        var ends = new int[ids.Length];
        int at = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            starts[i] = at;
            at += TokenBytes(ids[i]).Length;
            ends[i] = at;
        }
        int expected = Encoding.UTF8.GetByteCount(text);
        if (at != expected)
            throw new InvalidOperationException(
                $"{Source}: token bytes cover {at} bytes but the text has {expected} UTF-8 bytes — the normalizer or an unknown token changed the text, so byte offsets are not defined");
        return new TokenOffsets(ids, starts, ends);
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var tokens = new List<byte[]>(ids.Length);
        foreach (int id in ids) tokens.Add(Encoding.UTF8.GetBytes(Token(id)));
        if (decoder is null) return string.Join(' ', tokens.Select(t => Encoding.UTF8.GetString(t)));
        decoder.Decode(tokens, runningText: false);
        return Encoding.UTF8.GetString(tokens.SelectMany(t => t).ToArray());
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if (bytesById[CheckId(id)] is { } cached) return cached;
        var tokens = new List<byte[]> { Encoding.UTF8.GetBytes(Token(id)) };
        decoder?.Decode(tokens, runningText: true);
        return bytesById[id] = tokens.SelectMany(t => t).ToArray();
    }

    public string TokenText(int id) => Encoding.UTF8.GetString(TokenBytes(id));

    private int CheckId(int id) => (uint)id < (uint)tokenById.Length ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (ids 0..{tokenById.Length - 1})");
}
