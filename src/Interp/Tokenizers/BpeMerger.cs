// Applies ranked BPE merges to one pre-token's byte tokens, with the semantics of OpenAI's bpe(): take the
// lowest-ranked adjacent pair, merge all its occurrences left to right, repeat. No caching (the tokenizer caches).
namespace InterpEval.Interp.Tokenizers;

internal static class BpeMerger
{
    /// <summary>
    /// Fast form: a linked list plus a heap keyed (rank, position), O(n log n) — long pre-tokens (a DNA string
    /// is one \p{L}+ run) stay cheap. All heap entries of one rank are taken as a batch before any pair formed
    /// by that batch, which keeps the reference's "all occurrences of the best pair first" order even when a
    /// merge creates a pair of lower rank.
    /// </summary>
    public static int[] Merge(ReadOnlySpan<int> tokens, BpeVocabulary vocabulary)
    {
        int n = tokens.Length;
        if (n < 2) return tokens.ToArray();
        int[] symbol = tokens.ToArray(); // -1 once merged into its left neighbour
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
        var heap = new PriorityQueue<int, long>();
        void Push(int at)
        {
            if (next[at] >= 0 && vocabulary.TryGetRank(symbol[at], symbol[next[at]], out int rank))
                heap.Enqueue(at, ((long)rank << 32) | (uint)at);
        }
        for (int i = 0; i + 1 < n; i++) Push(i);
        var batch = new List<int>();
        while (heap.TryPeek(out _, out long top))
        {
            long rank = top >> 32;
            batch.Clear();
            while (heap.TryPeek(out int at, out long key) && key >> 32 == rank) { heap.Dequeue(); batch.Add(at); }
            var merge = vocabulary.Merges[(int)rank];
            foreach (int at in batch)
            {
                int right = next[at];
                if (symbol[at] != merge.Left || right < 0 || symbol[right] != merge.Right) continue; // stale entry
                symbol[at] = merge.Result;
                symbol[right] = -1;
                next[at] = next[right];
                if (next[at] >= 0) prev[next[at]] = at;
                if (prev[at] >= 0) Push(prev[at]);
                Push(at);
            }
        }
        var result = new List<int>(n);
        for (int at = 0; at >= 0; at = next[at]) result.Add(symbol[at]);
        return result.ToArray();
    }

    /// <summary>Slow twin, a line-by-line port of OpenAI's bpe(): rescan all pairs after every merge round.</summary>
    public static int[] MergeReference(ReadOnlySpan<int> tokens, BpeVocabulary vocabulary)
    {
        var word = new List<int>(tokens.ToArray());
        while (word.Count > 1)
        {
            int best = int.MaxValue;
            for (int i = 0; i + 1 < word.Count; i++)
                if (vocabulary.TryGetRank(word[i], word[i + 1], out int rank)) best = Math.Min(best, rank);
            if (best == int.MaxValue) break;
            var merge = vocabulary.Merges[best];
            var merged = new List<int>(word.Count);
            for (int i = 0; i < word.Count;)
            {
                if (i + 1 < word.Count && word[i] == merge.Left && word[i + 1] == merge.Right) { merged.Add(merge.Result); i += 2; }
                else merged.Add(word[i++]);
            }
            word = merged;
        }
        return word.ToArray();
    }
}
