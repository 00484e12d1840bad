// BpeTrainer: a hand-worked tiny corpus, agreement with a recount-everything slow twin, determinism,
// round trips through encode/decode and through saved files, special tokens, and a speed guard.
using System.Globalization;
using System.Text;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Tokenizers;

[TestFixture]
public sealed class BpeTrainerTests
{
    [Test]
    public void Tiny_corpus_learns_merges_most_frequent_first_with_byte_order_ties()
    {
        // Pre-tokens "abc", " abc", " abd". Counts: (a,b) 3 → "ab". Then (Ġ,ab) 2 and (ab,c) 2 tie; " " < "a" → "Ġab".
        // Then four pairs of count 1: (Ġab,c), (Ġab,d) before (ab,c) because " ab" < "ab".
        var vocabulary = BpeTrainer.Train(["abc abc abd"], new BpeTrainerOptions { MergeCount = 10, MinPairCount = 1 });
        Assert.That(MergeSymbols(vocabulary), Is.EqualTo(new[] { "a b", "Ġ ab", "Ġab c", "Ġab d", "ab c" }));
        Assert.That(vocabulary.Merges.Select(m => m.Result), Is.EqualTo(new[] { 256, 257, 258, 259, 260 }));
        Assert.That(vocabulary.SpecialTokens, Is.EqualTo(new[] { new SpecialToken("<|endoftext|>", 261) }));
        Assert.That(vocabulary.Count, Is.EqualTo(262));

        var frequentOnly = BpeTrainer.Train(["abc abc abd"], new BpeTrainerOptions { MergeCount = 10 });
        Assert.That(MergeSymbols(frequentOnly), Is.EqualTo(new[] { "a b", "Ġ ab" }), "MinPairCount 2 stops at count-1 pairs");
    }

    [Test]
    public void Incremental_counts_agree_with_recounting_every_step()
    {
        var documents = Corpus(60_000, seed: 3);
        var options = new BpeTrainerOptions { MergeCount = 400, MinPairCount = 1 };
        var fast = BpeTrainer.Train(documents, options);
        var (slowMerges, slowCounts) = SlowTrain(documents, options.MergeCount);
        Assert.That(MergeSymbols(fast), Is.EqualTo(slowMerges));
        Assert.That(slowCounts, Is.Ordered.Descending, "the best pair's count never rises");
    }

    [Test]
    public void Training_is_deterministic_and_independent_of_document_order()
    {
        var documents = Corpus(40_000, seed: 5);
        var options = new BpeTrainerOptions { MergeCount = 300 };
        var first = MergeSymbols(BpeTrainer.Train(documents, options));
        Assert.That(MergeSymbols(BpeTrainer.Train(documents, options)), Is.EqualTo(first));
        var shuffled = documents.OrderBy(d => d.GetHashCode(StringComparison.Ordinal)).ThenBy(d => d, StringComparer.Ordinal).ToList();
        Assert.That(shuffled, Is.Not.EqualTo(documents));
        Assert.That(MergeSymbols(BpeTrainer.Train(shuffled, options)), Is.EqualTo(first));
        Assert.That(first, Has.Count.EqualTo(300));
    }

    [Test]
    public void Trained_tokenizer_round_trips_text_with_bytes_never_seen_in_training()
    {
        var tokenizer = new ByteLevelBpeTokenizer(BpeTrainer.Train(Corpus(40_000, seed: 9), new BpeTrainerOptions { MergeCount = 300 }));
        var texts = TokenizerTexts.Named.Select(n => n.Text).Concat(TokenizerTexts.Random(300, seed: 99))
            .Where(t => !t.Any(char.IsSurrogate) || t.EnumerateRunes().All(r => r != Rune.ReplacementChar))
            .Append("\u0000\u00ff\U0001F9EC ÿ\u007f zebra 🧬 Ωμέγα");
        foreach (string text in texts)
            Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
        Assert.That(tokenizer.Encode("the the the").Length, Is.LessThan(11), "merges from training apply");
    }

    [Test]
    public void Saved_files_reload_to_the_same_ids()
    {
        var tokenizer = new ByteLevelBpeTokenizer(BpeTrainer.Train(Corpus(40_000, seed: 13), new BpeTrainerOptions { MergeCount = 500 }));
        string dir = Directory.CreateTempSubdirectory("interp-eval-bpe-").FullName;
        try
        {
            string pairDir = Directory.CreateDirectory(Path.Combine(dir, "pair")).FullName;
            string hfDir = Directory.CreateDirectory(Path.Combine(dir, "hf")).FullName;
            VocabMergesFormat.Write(tokenizer, Path.Combine(pairDir, "vocab.json"), Path.Combine(pairDir, "merges.txt"));
            HuggingFaceTokenizerFormat.Write(tokenizer, Path.Combine(hfDir, "tokenizer.json"));
            foreach (var reloaded in new[] { TokenizerLoader.LoadByteLevel(pairDir), TokenizerLoader.LoadByteLevel(hfDir) })
            {
                Assert.That(reloaded.VocabSize, Is.EqualTo(tokenizer.VocabSize));
                Assert.That(reloaded.EndOfTextId, Is.EqualTo(tokenizer.EndOfTextId).And.EqualTo(tokenizer.VocabSize - 1));
                Assert.That(reloaded.Vocabulary.Merges, Is.EqualTo(tokenizer.Vocabulary.Merges));
                foreach (string text in TokenizerTexts.All().Append("doc one<|endoftext|>doc two"))
                    Assert.That(reloaded.Encode(text), Is.EqualTo(tokenizer.Encode(text)), text);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Special_token_text_in_the_corpus_is_cut_out_before_counting()
    {
        var vocabulary = BpeTrainer.Train([string.Concat(Enumerable.Repeat("hello<|endoftext|>", 50))],
            new BpeTrainerOptions { MergeCount = 50 });
        var learned = vocabulary.Merges.Select(m => Encoding.UTF8.GetString(vocabulary.TokenBytes(m.Result))).ToList();
        Assert.That(learned, Does.Contain("hello"));
        Assert.That(learned.Where(t => t.Contains('|') || t.Contains("end") || t.Contains('<')), Is.Empty);
        var tokenizer = new ByteLevelBpeTokenizer(vocabulary);
        Assert.That(tokenizer.Encode("hello<|endoftext|>hello"),
            Is.EqualTo(new[] { vocabulary.Merges[^1].Result, tokenizer.EndOfTextId!.Value, vocabulary.Merges[^1].Result }));
    }

    [Test]
    public void Options_are_validated_on_construction()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BpeTrainerOptions { MergeCount = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BpeTrainerOptions { MinPairCount = 0 });
        var e = Assert.Throws<ArgumentException>(() => _ = new BpeTrainerOptions { SpecialTokens = ["<a>", "<a>"] })!;
        Assert.That(e.Message, Does.StartWith("SpecialTokens repeats a token: <a>, <a>"));
    }

    private static List<string> MergeSymbols(BpeVocabulary v) =>
        v.Merges.Select(m => $"{v.Symbol(m.Left)} {v.Symbol(m.Right)}").ToList();

    /// <summary>Mixed-domain documents (English-like words, code, numbers, DNA, hex, JSON), deterministic from the seed.</summary>
    internal static List<string> Corpus(int chars, int seed)
    {
        string[] words = ["the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "with", "as",
            "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "word", "but", "what", "some",
            "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your", "how", "said", "an",
            "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many", "then", "them",
            "would", "write", "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has",
            "look", "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most", "people", "my",
            "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been", "now", "find",
            "Мир", "дом", "время", "世界", "时间", "東京", "café", "naïve", "don't", "it's", "we'll"];
        var rng = new Random(seed);
        var documents = new List<string>();
        int total = 0;
        while (total < chars)
        {
            var sb = new StringBuilder();
            switch (rng.Next(6))
            {
                case 0 or 1 or 2:
                    for (int i = rng.Next(20, 120); i > 0; i--)
                        sb.Append(words[(int)Math.Floor(Math.Pow(rng.NextDouble(), 2.5) * words.Length)])
                          .Append(rng.Next(12) == 0 ? ". " : rng.Next(15) == 0 ? ",\n" : " ");
                    break;
                case 3:
                    for (int i = rng.Next(3, 12); i > 0; i--)
                        sb.Append(CultureInfo.InvariantCulture, $"    var x{rng.Next(10)} = f(a[{rng.Next(100)}], {rng.NextDouble():F3});\n");
                    break;
                case 4:
                    for (int i = rng.Next(50, 400); i > 0; i--) sb.Append("ACGT"[rng.Next(4)]);
                    sb.Append(CultureInfo.InvariantCulture, $" 0x{rng.Next():x8} {rng.Next(1000, 9999)}-{rng.Next(1, 12):D2}-{rng.Next(1, 28):D2}");
                    break;
                default:
                    sb.Append(CultureInfo.InvariantCulture, $"{{\"id\": {rng.Next(10000)}, \"name\": \"{words[rng.Next(words.Length)]}\", \"ok\": {(rng.Next(2) == 0 ? "true" : "false")}}}");
                    break;
            }
            documents.Add(sb.ToString());
            total += sb.Length;
        }
        return documents;
    }

    /// <summary>
    /// Slow twin: recount every pair over all words at every step, take the most frequent (ties: left bytes, then
    /// right bytes), merge it everywhere. Returns the merges as "left right" symbols and each step's count.
    /// </summary>
    private static (List<string> Merges, List<long> Counts) SlowTrain(IEnumerable<string> documents, int mergeCount)
    {
        var words = BpeTrainer.CountPieces(documents, ["<|endoftext|>"])
            .Select(p => (Symbols: Encoding.UTF8.GetBytes(p.Key).Select(b => new[] { b }).ToList(), Count: p.Value)).ToList();
        var merges = new List<string>();
        var counts = new List<long>();
        for (int step = 0; step < mergeCount; step++)
        {
            var pairCounts = new Dictionary<(string, string), (byte[] L, byte[] R, long N)>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    var key = (Convert.ToHexString(symbols[i]), Convert.ToHexString(symbols[i + 1]));
                    pairCounts[key] = pairCounts.TryGetValue(key, out var e) ? (e.L, e.R, e.N + count) : (symbols[i], symbols[i + 1], count);
                }
            if (pairCounts.Count == 0) break;
            var best = pairCounts.Values.OrderByDescending(p => p.N)
                .ThenBy(p => p.L, ByteOrder.Instance).ThenBy(p => p.R, ByteOrder.Instance).First();
            merges.Add($"{ByteUnicodeMap.ToSymbol(best.L)} {ByteUnicodeMap.ToSymbol(best.R)}");
            counts.Add(best.N);
            byte[] merged = [.. best.L, .. best.R];
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i].AsSpan().SequenceEqual(best.L) && symbols[i + 1].AsSpan().SequenceEqual(best.R))
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return (merges, counts);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
