// Settings of BpeTrainer, validated on construction. No vocabulary-size target (count merges instead), no
// minimum word frequency, no dropout.
namespace InterpEval.Interp.Tokenizers;

/// <summary>How many merges to learn and which special tokens to add.</summary>
public sealed record BpeTrainerOptions
{
    private readonly int mergeCount = 4000;
    private readonly long minPairCount = 2;
    private readonly IReadOnlyList<string> specialTokens = ["<|endoftext|>"];

    /// <summary>Merges to learn (DESIGN §6: about 4k); fewer when no pair reaches <see cref="MinPairCount"/>.</summary>
    public int MergeCount
    {
        get => mergeCount;
        init => mergeCount = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(MergeCount), value, $"MergeCount is {value} — expected 0 or more");
    }

    /// <summary>A pair seen fewer times than this in the corpus is never merged; training stops there.</summary>
    public long MinPairCount
    {
        get => minPairCount;
        init => minPairCount = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MinPairCount), value, $"MinPairCount is {value} — expected 1 or more");
    }

    /// <summary>
    /// Special tokens, given ids after the merges in this order. Their text in the corpus is cut out before
    /// counting, so no merge spans one.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens
    {
        get => specialTokens;
        init
        {
            if (value.Any(string.IsNullOrEmpty))
                throw new ArgumentException("SpecialTokens contains an empty token", nameof(SpecialTokens));
            if (value.Distinct(StringComparer.Ordinal).Count() != value.Count)
                throw new ArgumentException($"SpecialTokens repeats a token: {string.Join(", ", value)}", nameof(SpecialTokens));
            specialTokens = value.ToArray();
        }
    }
}
