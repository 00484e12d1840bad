// The data of a byte-level BPE: each id's byte string, the merges by rank, and the special tokens — validated
// once when built. No file formats (VocabMergesFormat, HuggingFaceTokenizerFormat) and no encoding here.
using System.Text;

namespace InterpEval.Interp.Tokenizers;

/// <summary>One merge rule: the adjacent tokens <paramref name="Left"/>, <paramref name="Right"/> become <paramref name="Result"/>.</summary>
public readonly record struct BpeMerge(int Left, int Right, int Result);

/// <summary>A token matched literally in text before pre-tokenisation (e.g. <c>&lt;|endoftext|&gt;</c>).</summary>
public readonly record struct SpecialToken(string Content, int Id);

/// <summary>Token byte strings by id, merges by rank (index 0 merges first) and special tokens.</summary>
public sealed class BpeVocabulary
{
    private readonly byte[]?[] bytesById;
    private readonly string?[] symbolById;
    private readonly bool[] specialById;
    private readonly Dictionary<string, int> idBySymbol;
    private readonly Dictionary<ulong, int> rankByPair;
    private readonly int[] idByByte;

    private BpeVocabulary(byte[]?[] bytesById, string?[] symbolById, bool[] specialById, BpeMerge[] merges,
        SpecialToken[] specialTokens)
    {
        this.bytesById = bytesById;
        this.symbolById = symbolById;
        this.specialById = specialById;
        Merges = merges;
        SpecialTokens = specialTokens;
        idBySymbol = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < symbolById.Length; id++)
            if (symbolById[id] is { } symbol && !specialById[id]) idBySymbol[symbol] = id;
        rankByPair = new Dictionary<ulong, int>(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++) rankByPair[PairKey(merges[rank].Left, merges[rank].Right)] = rank;
        idByByte = new int[256];
        for (int b = 0; b < 256; b++)
            idByByte[b] = idBySymbol.TryGetValue(ByteUnicodeMap.ToChar((byte)b).ToString(), out int id) ? id : -1;
    }

    /// <summary>One more than the largest id; ids below it may be unassigned (see <see cref="IsAssigned"/>).</summary>
    public int Count => bytesById.Length;

    /// <summary>Merge rules by rank: a lower index is applied first.</summary>
    public IReadOnlyList<BpeMerge> Merges { get; }

    /// <summary>Special tokens in id order.</summary>
    public IReadOnlyList<SpecialToken> SpecialTokens { get; }

    /// <summary>Whether <paramref name="id"/> names a token.</summary>
    public bool IsAssigned(int id) => (uint)id < (uint)bytesById.Length && bytesById[id] is not null;

    /// <summary>Whether <paramref name="id"/> is a special token.</summary>
    public bool IsSpecial(int id) => IsAssigned(id) && specialById[id];

    /// <summary>The bytes a token decodes to (a special token's UTF-8 content).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => bytesById[CheckId(id)];

    /// <summary>The token as written in vocabulary files: byte-level symbol ("Ġthe") or a special token's content.</summary>
    public string Symbol(int id) => symbolById[CheckId(id)]!;

    /// <summary>The id of a byte-level symbol ("Ġthe") or of a special token's content.</summary>
    public bool TryGetId(string symbol, out int id)
    {
        if (idBySymbol.TryGetValue(symbol, out id)) return true;
        foreach (var special in SpecialTokens)
            if (special.Content == symbol) { id = special.Id; return true; }
        id = -1;
        return false;
    }

    /// <summary>The id of the single-byte token for <paramref name="b"/>, or -1 when the vocabulary lacks it.</summary>
    public int ByteTokenId(byte b) => idByByte[b];

    internal bool TryGetRank(int left, int right, out int rank) => rankByPair.TryGetValue(PairKey(left, right), out rank);

    internal static ulong PairKey(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;

    private int CheckId(int id)
    {
        if (!IsAssigned(id))
            throw new ArgumentOutOfRangeException(nameof(id), id,
                (uint)id < (uint)Count ? $"token id {id} is not assigned in this vocabulary"
                    : $"token id {id} is outside the vocabulary (ids 0..{Count - 1})");
        return id;
    }

    /// <summary>
    /// Builds a vocabulary from byte strings by id (the trainer's output). Every merge's result must be the
    /// concatenation of its parts; special tokens take the listed ids, which must be free.
    /// </summary>
    public static BpeVocabulary FromBytes(IReadOnlyList<byte[]> tokens, IReadOnlyList<BpeMerge> merges,
        IReadOnlyList<SpecialToken> specialTokens)
    {
        int count = Math.Max(tokens.Count, specialTokens.Count == 0 ? 0 : specialTokens.Max(s => s.Id) + 1);
        var bytesById = new byte[]?[count];
        var symbolById = new string?[count];
        var specialById = new bool[count];
        for (int id = 0; id < tokens.Count; id++)
        {
            bytesById[id] = tokens[id];
            symbolById[id] = ByteUnicodeMap.ToSymbol(tokens[id]);
        }
        foreach (var special in specialTokens)
        {
            if (bytesById[special.Id] is not null)
                throw new ArgumentException($"special token \"{special.Content}\" has id {special.Id}, which a byte token already uses");
            bytesById[special.Id] = Encoding.UTF8.GetBytes(special.Content);
            symbolById[special.Id] = special.Content;
            specialById[special.Id] = true;
        }
        foreach (var m in merges)
            if (!tokens[m.Result].AsSpan().SequenceEqual([.. tokens[m.Left], .. tokens[m.Right]]))
                throw new ArgumentException($"merge {m} does not produce the concatenation of its parts");
        return new BpeVocabulary(bytesById, symbolById, specialById, merges.ToArray(),
            specialTokens.OrderBy(s => s.Id).ToArray());
    }

    /// <summary>
    /// Builds a vocabulary from the string form of the files. <paramref name="unreachableAreSpecial"/>: a vocab
    /// entry that is neither a byte nor a merge result is a special token (vocab.json / encoder.json carry no
    /// other marker). Faults throw InvalidDataException whose message starts with <paramref name="vocabWhere"/>
    /// or <paramref name="mergeWhere"/>(index).
    /// </summary>
    internal static BpeVocabulary FromSymbols(IReadOnlyList<KeyValuePair<string, int>> vocab,
        IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<SpecialToken> addedTokens,
        bool unreachableAreSpecial, string vocabWhere, Func<int, string> mergeWhere)
    {
        int count = 0;
        foreach (var (_, id) in vocab) count = Math.Max(count, id + 1);
        foreach (var added in addedTokens) count = Math.Max(count, added.Id + 1);
        var symbolById = new string?[count];
        var idBySymbol = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (symbol, id) in vocab)
        {
            if (symbolById[id] is { } other)
                throw Fault(vocabWhere, $"id {id} is given to both \"{other}\" and \"{symbol}\"");
            symbolById[id] = symbol;
            idBySymbol[symbol] = id;
        }
        var specialById = new bool[count];
        foreach (var added in addedTokens)
        {
            if (symbolById[added.Id] is { } other && other != added.Content)
                throw Fault(vocabWhere, $"added token \"{added.Content}\" has id {added.Id}, which the vocabulary gives to \"{other}\"");
            if (idBySymbol.TryGetValue(added.Content, out int otherId) && otherId != added.Id)
                throw Fault(vocabWhere, $"added token \"{added.Content}\" has id {added.Id} but the vocabulary gives it id {otherId}");
            symbolById[added.Id] = added.Content;
            specialById[added.Id] = true;
        }
        var mergeArray = ResolveMerges(merges, idBySymbol, mergeWhere);
        var reachable = new bool[count];
        for (int b = 0; b < 256; b++)
            if (idBySymbol.TryGetValue(ByteUnicodeMap.ToChar((byte)b).ToString(), out int id)) reachable[id] = true;
        foreach (var m in mergeArray) reachable[m.Result] = true;
        var bytesById = new byte[]?[count];
        for (int id = 0; id < count; id++)
        {
            if (symbolById[id] is not { } symbol) continue;
            if (!specialById[id] && unreachableAreSpecial && !reachable[id]) specialById[id] = true;
            if (specialById[id]) bytesById[id] = Encoding.UTF8.GetBytes(symbol);
            else if (ByteUnicodeMap.TryToBytes(symbol, out var bytes)) bytesById[id] = bytes;
            else throw Fault(vocabWhere, $"token \"{symbol}\" (id {id}) has characters outside GPT-2's byte alphabet and is not an added token");
        }
        var specials = new List<SpecialToken>();
        for (int id = 0; id < count; id++)
            if (specialById[id]) specials.Add(new SpecialToken(symbolById[id]!, id));
        return new BpeVocabulary(bytesById, symbolById, specialById, mergeArray, specials.ToArray());
    }

    private static BpeMerge[] ResolveMerges(IReadOnlyList<(string Left, string Right)> merges,
        Dictionary<string, int> idBySymbol, Func<int, string> mergeWhere)
    {
        var result = new BpeMerge[merges.Count];
        var firstIndex = new Dictionary<ulong, int>(merges.Count);
        for (int i = 0; i < merges.Count; i++)
        {
            var (left, right) = merges[i];
            if (left.Length == 0 || right.Length == 0) throw Fault(mergeWhere(i), "a merge symbol is empty");
            int Id(string symbol, string what) => idBySymbol.TryGetValue(symbol, out int id) ? id
                : throw Fault(mergeWhere(i), $"{what} \"{symbol}\" is not in the vocabulary");
            var merge = new BpeMerge(Id(left, "symbol"), Id(right, "symbol"), Id(left + right, "merged symbol"));
            if (!firstIndex.TryAdd(PairKey(merge.Left, merge.Right), i))
                throw Fault(mergeWhere(i), $"merge \"{left} {right}\" repeats {mergeWhere(firstIndex[PairKey(merge.Left, merge.Right)])}");
            result[i] = merge;
        }
        return result;
    }

    private static InvalidDataException Fault(string where, string what) => new($"{where}: {what}");
}
