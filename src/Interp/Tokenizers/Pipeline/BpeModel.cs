// BpeModel — tokenizer.json's "model" of type BPE over strings, as Hugging Face's tokenizers (Rust) runs it: a piece's
// characters are looked up in the vocabulary (with continuing_subword_prefix / end_of_word_suffix), unknown ones fall
// back to <0xXX> byte tokens (byte_fallback) or unk_token (fuse_unk joins runs), then merges are applied lowest rank
// first, one at a time, leftmost among equals (Word::merge_all); ignore_merges takes a piece that is itself a token
// whole. A per-piece cache. No dropout.
using System.Collections.Concurrent;
using System.Text;

namespace InterpEval.Interp.Tokenizers.Pipeline;

internal sealed class BpeModel
{
    private const int MaxCachedPieceLength = 128;
    private const int MaxCacheEntries = 1 << 17;

    private readonly Dictionary<string, int> idByToken;
    private readonly Dictionary<ulong, (int Rank, int Result)> merges;
    private readonly int? unkId;
    private readonly int[] byteIds;   // <0xXX> token ids, -1 where absent
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, string? unkToken,
        bool byteFallback, bool fuseUnk, bool ignoreMerges, string? continuingSubwordPrefix, string? endOfWordSuffix, string where)
    {
        idByToken = vocab;
        ByteFallback = byteFallback;
        FuseUnk = fuseUnk;
        IgnoreMerges = ignoreMerges;
        Prefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        Suffix = string.IsNullOrEmpty(endOfWordSuffix) ? null : endOfWordSuffix;
        if (unkToken is not null)
            unkId = vocab.TryGetValue(unkToken, out int u) ? u
                : throw new InvalidDataException($"{where}: model.unk_token \"{unkToken}\" is not in model.vocab");
        byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
        merges = new Dictionary<ulong, (int, int)>(mergeList.Count);
        int prefixLength = Prefix?.Length ?? 0;
        for (int rank = 0; rank < mergeList.Count; rank++)
        {
            var (left, right) = mergeList[rank];
            int Id(string token, string what) => vocab.TryGetValue(token, out int id) ? id
                : throw new InvalidDataException($"{where}: model.merges[{rank}]: {what} \"{token}\" is not in model.vocab");
            int l = Id(left, "symbol"), r = Id(right, "symbol");
            string merged = left + (prefixLength > 0 && right.StartsWith(Prefix!, StringComparison.Ordinal) ? right[prefixLength..] : right);
            merges[Key(l, r)] = (rank, Id(merged, "merged symbol"));   // a repeated pair takes its last rank, as Rust's collect into a HashMap does
        }
    }

    public bool ByteFallback { get; }
    public bool FuseUnk { get; }
    public bool IgnoreMerges { get; }
    public string? Prefix { get; }
    public string? Suffix { get; }

    /// <summary>Appends the ids of one pre-token.</summary>
    public void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (cache.TryGetValue(piece, out int[]? cached)) { ids.AddRange(cached); return; }
        int[] result = IgnoreMerges && idByToken.TryGetValue(piece, out int whole) ? [whole] : Merge(Symbols(piece));
        ids.AddRange(result);
        if (piece.Length > MaxCachedPieceLength) return;
        if (cache.Count >= MaxCacheEntries) cache.Clear();
        cache.TryAdd(piece, result);
    }

    // BPE::merge_word before merging: one symbol per code point.
    private List<int> Symbols(string piece)
    {
        var symbols = new List<int>(piece.Length);
        int? pendingUnk = null;
        for (int i = 0; i < piece.Length;)
        {
            int width = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            string s = piece.Substring(i, width);
            if (i > 0 && Prefix is not null) s = Prefix + s;
            if (i + width == piece.Length && Suffix is not null) s += Suffix;
            i += width;
            if (idByToken.TryGetValue(s, out int id))
            {
                if (pendingUnk is int u) { symbols.Add(u); pendingUnk = null; }
                symbols.Add(id);
                continue;
            }
            if (ByteFallback)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(s);
                if (bytes.All(b => byteIds[b] >= 0))
                {
                    if (pendingUnk is int u) { symbols.Add(u); pendingUnk = null; }
                    foreach (byte b in bytes) symbols.Add(byteIds[b]);
                    continue;
                }
            }
            if (unkId is int unk)
            {
                if (pendingUnk is int u && !FuseUnk) symbols.Add(u);
                pendingUnk = unk;
            }
        }
        if (pendingUnk is int last) symbols.Add(last);
        return symbols;
    }

    // Word::merge_all: a heap of (rank, position); pop the smallest, skip stale entries, merge, push the new neighbours.
    private int[] Merge(List<int> start)
    {
        int n = start.Count;
        if (n < 2) return start.ToArray();
        int[] symbol = start.ToArray();
        int[] next = new int[n], prev = new int[n];
        bool[] gone = new bool[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
        var heap = new PriorityQueue<(int Pos, int Result), long>();
        void Push(int at)
        {
            if (next[at] >= 0 && merges.TryGetValue(Key(symbol[at], symbol[next[at]]), out var m))
                heap.Enqueue((at, m.Result), ((long)m.Rank << 32) | (uint)at);
        }
        for (int i = 0; i + 1 < n; i++) Push(i);
        while (heap.TryDequeue(out var top, out _))
        {
            int at = top.Pos;
            if (gone[at] || next[at] < 0) continue;
            int right = next[at];
            if (!merges.TryGetValue(Key(symbol[at], symbol[right]), out var m) || m.Result != top.Result) continue;
            symbol[at] = m.Result;
            gone[right] = true;
            next[at] = next[right];
            if (next[at] >= 0) prev[next[at]] = at;
            if (prev[at] >= 0) Push(prev[at]);
            Push(at);
        }
        var result = new List<int>(n);
        for (int at = 0; at >= 0; at = next[at]) result.Add(symbol[at]);
        return result.ToArray();
    }

    private static ulong Key(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;
}
