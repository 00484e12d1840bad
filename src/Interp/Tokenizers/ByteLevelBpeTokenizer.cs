// GPT-2-style byte-level BPE: special tokens → GPT-2 pre-tokenisation → UTF-8 bytes → ranked merges, with a
// per-piece cache; decode joins token bytes and reads them as UTF-8; byte offsets of each token in the text's UTF-8.
// No truncation, padding or BOS.
using System.Collections.Concurrent;
using System.Text;

namespace InterpEval.Interp.Tokenizers;

/// <summary>
/// Encodes text to token ids and back. Without special tokens in the text (or with
/// <c>recognizeSpecialTokens: false</c>) the ids are those of OpenAI's GPT-2 encoder. Thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    private const int MaxCachedPieceLength = 128;
    private const int MaxCacheEntries = 1 << 17;

    private readonly SpecialTokenSplitter specials;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> cacheBySpan;

    public ByteLevelBpeTokenizer(BpeVocabulary vocabulary, ByteLevelBpeOptions? options = null)
    {
        Vocabulary = vocabulary;
        Options = options ?? ByteLevelBpeOptions.Gpt2;
        specials = new SpecialTokenSplitter(vocabulary.SpecialTokens);
        cacheBySpan = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        EndOfTextId = vocabulary.SpecialTokens.Where(s => s.Content == "<|endoftext|>").Select(s => (int?)s.Id).FirstOrDefault();
    }

    /// <summary>Loads tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe; see <see cref="TokenizerLoader"/>.</summary>
    public static ByteLevelBpeTokenizer Load(string path) => TokenizerLoader.LoadByteLevel(path);

    public BpeVocabulary Vocabulary { get; }

    public ByteLevelBpeOptions Options { get; }

    /// <summary>One more than the largest token id.</summary>
    public int VocabSize => Vocabulary.Count;

    /// <summary>The id of the special token <c>&lt;|endoftext|&gt;</c>, if the vocabulary has it.</summary>
    public int? EndOfTextId { get; }

    /// <summary>
    /// Token ids of <paramref name="text"/>. Special tokens' text becomes their ids unless
    /// <paramref name="recognizeSpecialTokens"/> is false, when it is encoded like any other text (as OpenAI's encoder does).
    /// </summary>
    public int[] Encode(string text, bool recognizeSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 1);
        Encode(text, ids, recognizeSpecialTokens);
        return ids.ToArray();
    }

    /// <summary>Appends the token ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids, bool recognizeSpecialTokens = true)
    {
        if (recognizeSpecialTokens) specials.Split(text, segment => EncodeOrdinary(segment, ids), ids.Add);
        else if (!text.IsEmpty) EncodeOrdinary(text, ids);
    }

    /// <summary>The same ids as <see cref="Encode(string, bool)"/>: GPT-2 adds no BOS.</summary>
    public int[] EncodeWithSpecialTokens(string text) => Encode(text);

    /// <summary>
    /// Token ids of <paramref name="text"/> with each token's byte range [start, end) in the text's UTF-8 encoding (special
    /// tokens are not recognised). Byte-level tokens concatenate to exactly those bytes, so the ranges tile the text:
    /// a token's range may start or end inside a multi-byte character. Not available with AddPrefixSpace (the added
    /// space belongs to no byte of the text).
    /// </summary>
    public TokenOffsets EncodeWithOffsets(string text)
    {
        if (Options.AddPrefixSpace)
            throw new InvalidOperationException("byte offsets are not defined for a tokenizer that adds a prefix space");
        int[] ids = Encode(text, recognizeSpecialTokens: false);
        var starts = new int[ids.Length];
        var ends = new int[ids.Length];
        int at = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            starts[i] = at;
            at += Vocabulary.TokenBytes(ids[i]).Length;
            ends[i] = at;
        }
        int expected = Encoding.UTF8.GetByteCount(text);
        if (at != expected)
            throw new InvalidOperationException($"token bytes cover {at} bytes but the text has {expected} UTF-8 bytes");
        return new TokenOffsets(ids, starts, ends);
    }

    /// <summary>The text of <paramref name="ids"/>: their bytes read as UTF-8, each invalid sequence becoming U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <summary>The bytes of <paramref name="ids"/>, concatenated.</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids) bytes.AddRange(Vocabulary.TokenBytes(id));
        return bytes.ToArray();
    }

    /// <summary>The bytes of one token (a special token's UTF-8 content).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => Vocabulary.TokenBytes(id);

    /// <summary>One token's text for display; a token holding part of a UTF-8 sequence shows U+FFFD.</summary>
    public string TokenText(int id) => Encoding.UTF8.GetString(Vocabulary.TokenBytes(id));

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> ids)
    {
        if (Options.AddPrefixSpace && text[0] != ' ') text = string.Concat(" ", text);
        while (!text.IsEmpty)
        {
            int length = Gpt2PreTokenizer.PieceLength(text);
            EncodePiece(text[..length], ids);
            text = text[length..];
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (cacheBySpan.TryGetValue(piece, out int[]? cached)) { ids.AddRange(cached); return; }
        int[] pieceIds = EncodeUncached(piece);
        ids.AddRange(pieceIds);
        if (piece.Length > MaxCachedPieceLength) return;
        if (cache.Count >= MaxCacheEntries) cache.Clear();
        cacheBySpan.TryAdd(piece, pieceIds);
    }

    private int[] EncodeUncached(ReadOnlySpan<char> piece)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(piece.ToArray()); // lone surrogates become EF BF BD, as in JS TextEncoder
        if (Options.IgnoreMerges && Vocabulary.TryGetId(ByteUnicodeMap.ToSymbol(bytes), out int whole) && !Vocabulary.IsSpecial(whole))
            return [whole];
        var tokens = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            tokens[i] = Vocabulary.ByteTokenId(bytes[i]);
            if (tokens[i] < 0)
                throw new InvalidOperationException(
                    $"the vocabulary has no token for byte 0x{bytes[i]:X2} (symbol '{ByteUnicodeMap.ToChar(bytes[i])}'), which the text needs");
        }
        return BpeMerger.Merge(tokens, Vocabulary);
    }
}
