// Learns byte-level BPE merges from a corpus: GPT-2 pre-tokenisation, 256 byte tokens in GPT-2's id order,
// then the most frequent adjacent pair, merged, again and again. Single-threaded; no vocabulary-size target.
using System.Runtime.InteropServices;
using System.Text;

namespace InterpEval.Interp.Tokenizers;

/// <summary>
/// BPE training over the unique pre-tokens of a corpus, with pair counts kept up to date as words change
/// (only the words holding the merged pair are touched) and a lazily cleaned max-heap of pairs.
/// </summary>
public static class BpeTrainer
{
    /// <summary>
    /// Ids: 0..255 are single bytes in <see cref="ByteUnicodeMap.GptOrder"/>, then one id per new token in merge
    /// order, then the special tokens. Each step merges the pair with the highest count; ties go to the pair whose
    /// left token's bytes, then right token's bytes, sort first (ordinal), so the result depends only on the text.
    /// </summary>
    public static BpeVocabulary Train(IEnumerable<string> documents, BpeTrainerOptions? options = null)
    {
        options ??= new BpeTrainerOptions();
        var tokens = new List<byte[]>(256 + options.MergeCount);
        foreach (byte b in ByteUnicodeMap.GptOrder) tokens.Add([b]);
        var pieceCounts = CountPieces(documents, options.SpecialTokens);
        var pairs = new PairTable(pieceCounts, tokens);
        var merges = pairs.LearnMerges(options.MergeCount, options.MinPairCount);
        var specials = options.SpecialTokens.Select((content, i) => new SpecialToken(content, tokens.Count + i)).ToArray();
        return BpeVocabulary.FromBytes(tokens, merges, specials);
    }

    /// <summary>How often each pre-token occurs; special tokens' text is cut out first.</summary>
    internal static Dictionary<string, long> CountPieces(IEnumerable<string> documents, IReadOnlyList<string> specialTokens)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var splitter = new SpecialTokenSplitter(specialTokens.Select((s, i) => new SpecialToken(s, i)).ToArray());
        foreach (string document in documents)
        {
            splitter.Split(document, text =>
            {
                while (!text.IsEmpty)
                {
                    int length = Gpt2PreTokenizer.PieceLength(text);
                    CollectionsMarshal.GetValueRefOrAddDefault(lookup, text[..length], out _)++;
                    text = text[length..];
                }
            }, _ => { });
        }
        return counts;
    }

    /// <summary>The corpus as unique words of token ids, with the count and locations of every adjacent pair.</summary>
    private sealed class PairTable
    {
        private readonly List<byte[]> tokens;
        private readonly int[][] words;
        private readonly int[] lengths;
        private readonly long[] wordCounts;
        private readonly int[] lastTouched;
        private readonly Dictionary<ulong, long> pairCounts = [];
        private readonly Dictionary<ulong, List<int>> pairWords = [];
        private readonly Dictionary<ulong, long> delta = [];
        private readonly PriorityQueue<ulong, (long Count, int Left, int Right)> heap;

        public PairTable(Dictionary<string, long> pieceCounts, List<byte[]> tokens)
        {
            this.tokens = tokens;
            var idOfByte = new int[256];
            for (int id = 0; id < 256; id++) idOfByte[tokens[id][0]] = id;
            words = new int[pieceCounts.Count][];
            lengths = new int[words.Length];
            wordCounts = new long[words.Length];
            lastTouched = new int[words.Length];
            Array.Fill(lastTouched, -1);
            int w = 0;
            foreach (var (piece, count) in pieceCounts)
            {
                words[w] = Encoding.UTF8.GetBytes(piece).Select(b => idOfByte[b]).ToArray();
                lengths[w] = words[w].Length;
                wordCounts[w] = count;
                for (int i = 0; i + 1 < lengths[w]; i++) AddPair(Key(words[w][i], words[w][i + 1]), count, w, pairCounts);
                w++;
            }
            heap = new PriorityQueue<ulong, (long, int, int)>(pairCounts.Count, Comparer<(long Count, int Left, int Right)>.Create(ComparePriority));
            foreach (var (pair, count) in pairCounts) heap.Enqueue(pair, (count, Left(pair), Right(pair)));
        }

        public List<BpeMerge> LearnMerges(int mergeCount, long minPairCount)
        {
            var merges = new List<BpeMerge>(mergeCount);
            var idByBytes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int id = 0; id < tokens.Count; id++) idByBytes[ByteUnicodeMap.ToSymbol(tokens[id])] = id;
            while (merges.Count < mergeCount && TryTakeBest(minPairCount, out ulong pair))
            {
                byte[] bytes = [.. tokens[Left(pair)], .. tokens[Right(pair)]];
                // Two different merges can spell the same bytes ("a"+"bc", "ab"+"c"): they share one token.
                ref int result = ref CollectionsMarshal.GetValueRefOrAddDefault(idByBytes, ByteUnicodeMap.ToSymbol(bytes), out bool exists);
                if (!exists) { result = tokens.Count; tokens.Add(bytes); }
                merges.Add(new BpeMerge(Left(pair), Right(pair), result));
                Apply(pair, result, stamp: merges.Count);
            }
            return merges;
        }

        /// <summary>Pops heap entries until one matches its pair's current count (older entries are stale).</summary>
        private bool TryTakeBest(long minPairCount, out ulong pair)
        {
            while (heap.TryDequeue(out pair, out var priority))
                if (pairCounts.TryGetValue(pair, out long count) && count == priority.Count) return count >= minPairCount;
            return false;
        }

        private void Apply(ulong pair, int result, int stamp)
        {
            delta.Clear();
            if (!pairWords.Remove(pair, out var holders)) holders = [];
            foreach (int w in holders)
            {
                if (lastTouched[w] == stamp) continue;
                lastTouched[w] = stamp;
                MergeWord(w, Left(pair), Right(pair), result);
            }
            foreach (var (changed, d) in delta)
            {
                if (d == 0) continue;
                long count = pairCounts.GetValueOrDefault(changed) + d;
                if (count == 0) { pairCounts.Remove(changed); pairWords.Remove(changed); continue; }
                pairCounts[changed] = count;
                heap.Enqueue(changed, (count, Left(changed), Right(changed)));
            }
        }

        /// <summary>
        /// Merges every occurrence of (a, b) in word w, left to right, recording pair-count changes. The left
        /// neighbour is read after earlier merges in this word, the right one before, so "a b a b" nets out right.
        /// </summary>
        private void MergeWord(int w, int a, int b, int c)
        {
            int[] s = words[w];
            int n = lengths[w], kept = 0;
            long k = wordCounts[w];
            for (int i = 0; i < n;)
            {
                if (i + 1 < n && s[i] == a && s[i + 1] == b)
                {
                    if (kept > 0)
                    {
                        AddPair(Key(s[kept - 1], a), -k, w, delta);
                        AddPair(Key(s[kept - 1], c), k, w, delta);
                    }
                    if (i + 2 < n)
                    {
                        AddPair(Key(b, s[i + 2]), -k, w, delta);
                        AddPair(Key(c, s[i + 2]), k, w, delta);
                    }
                    AddPair(Key(a, b), -k, w, delta);
                    s[kept++] = c;
                    i += 2;
                }
                else s[kept++] = s[i++];
            }
            lengths[w] = kept;
        }

        /// <summary>Adds <paramref name="count"/> to a pair's tally; a rise also lists word w as holding the pair.</summary>
        private void AddPair(ulong pair, long count, int w, Dictionary<ulong, long> tally)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(tally, pair, out _) += count;
            if (count <= 0) return;
            ref var holders = ref CollectionsMarshal.GetValueRefOrAddDefault(pairWords, pair, out _);
            holders ??= [];
            if (holders.Count == 0 || holders[^1] != w) holders.Add(w);
        }

        // Higher count first; then the left token's bytes, then the right's, in ordinal order.
        private int ComparePriority((long Count, int Left, int Right) x, (long Count, int Left, int Right) y)
        {
            int order = y.Count.CompareTo(x.Count);
            if (order == 0) order = tokens[x.Left].AsSpan().SequenceCompareTo(tokens[y.Left]);
            if (order == 0) order = tokens[x.Right].AsSpan().SequenceCompareTo(tokens[y.Right]);
            return order;
        }

        private static ulong Key(int left, int right) => BpeVocabulary.PairKey(left, right);

        private static int Left(ulong pair) => (int)(pair >> 32);

        private static int Right(ulong pair) => (int)(uint)pair;
    }
}
