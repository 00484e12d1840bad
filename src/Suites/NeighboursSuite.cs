// NeighboursSuite — geometry of a dictionary's decoder (DESIGN §8): each latent's nearest other latent by decoder
// cosine, summarised as the mean max-cosine and the fraction of latents with a near-duplicate (cos > 0.9); and, for
// two dictionaries of different widths on the same hook, which small-dictionary latent each large one descends from
// (feature splitting: its max-cosine match). The cosines are Interp's DecoderCosines (unit rows in float32, chunked);
// summaries in float64. Needs no model.
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Suites;

/// <param name="Index">For each row of the queried decoder, the best-matching row of the other (or the same) decoder.</param>
/// <param name="Cosine">That match's cosine.</param>
public sealed record DecoderMatch(int[] Index, double[] Cosine);

public sealed class NeighboursSuite : ISuite
{
    public const string SuiteName = "neighbours";
    public const double DuplicateCosine = 0.9;

    public string Name => SuiteName;

    public string Description => "nearest latents by decoder cosine: mean max-cosine, fraction with a near-duplicate (cos > 0.9)";

    public string? CannotRun(SuiteInput input) => input.Dictionary.DSae < 2 ? "needs at least 2 latents" : null;

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default) =>
        Records(input.Subject, Nearest(input.Dictionary.WDec, cancellation));

    /// <summary>Feature splitting: for every pair on one hook (and output width) with different widths, which smaller
    /// latent each larger one descends from, under the subject "{small}->{large}".</summary>
    public IEnumerable<MetricRecord> RunAcross(IReadOnlyList<(string Subject, SparseDictionary Dictionary)> dictionaries,
        CancellationToken cancellation = default)
    {
        foreach (var small in dictionaries)
            foreach (var large in dictionaries)
            {
                if (small.Dictionary.DSae >= large.Dictionary.DSae || small.Dictionary.Config.HookName != large.Dictionary.Config.HookName
                    || small.Dictionary.DOut != large.Dictionary.DOut) continue;
                var parents = Parents(small.Dictionary, large.Dictionary, cancellation);
                foreach (var r in SplittingRecords($"{small.Subject}->{large.Subject}", parents, small.Dictionary.DSae))
                    yield return r;
            }
    }

    /// <summary>Each decoder row's nearest other row [F, d] → F matches (itself excluded).</summary>
    public static DecoderMatch Nearest(Tensor wDec, CancellationToken cancellation = default) => Best(wDec, wDec, excludeSelf: true, cancellation);

    /// <summary>For each latent of the large dictionary, the small-dictionary latent it descends from (max decoder cosine).</summary>
    public static DecoderMatch Parents(SparseDictionary small, SparseDictionary large, CancellationToken cancellation = default)
    {
        if (small.Config.HookName != large.Config.HookName || small.DOut != large.DOut)
            throw new ArgumentException($"matching across sizes needs two dictionaries on the same hook: {small.Config.HookName} ({small.DOut}) vs {large.Config.HookName} ({large.DOut})");
        return Best(large.WDec, small.WDec, excludeSelf: false, cancellation);
    }

    public static IReadOnlyList<MetricRecord> Records(string subject, DecoderMatch m) =>
    [
        new(SuiteName, subject, "mean_max_cos", m.Cosine.Average(), "cosine", MetricDirection.Lower),
        new(SuiteName, subject, "near_duplicate_frac", m.Cosine.Count(c => c > DuplicateCosine) / (double)m.Cosine.Length, "fraction", MetricDirection.Lower),
    ];

    /// <summary>Summary of a size matching (Parents): mean match cosine; among small latents with at least one
    /// descendant, the mean number of descendants (fan-out); the fraction of small latents with two or more (split).</summary>
    public static IReadOnlyList<MetricRecord> SplittingRecords(string subject, DecoderMatch parents, int smallWidth)
    {
        var children = new int[smallWidth];
        foreach (int p in parents.Index) children[p]++;
        int withChildren = children.Count(c => c > 0);
        return
        [
            new(SuiteName, subject, "split_match_cos", parents.Cosine.Average(), "cosine", MetricDirection.Higher),
            new(SuiteName, subject, "split_fanout", withChildren == 0 ? 0 : parents.Index.Length / (double)withChildren, "latents/parent", MetricDirection.None),
            new(SuiteName, subject, "split_frac", children.Count(c => c >= 2) / (double)smallWidth, "fraction", MetricDirection.None),
        ];
    }

    // For each row of query [Q, d], the row of keys [K, d] with the largest cosine (DecoderCosines, k = 1).
    private static DecoderMatch Best(Tensor query, Tensor keys, bool excludeSelf, CancellationToken cancellation)
    {
        DecoderNeighbours best = DecoderCosines.Nearest(query, keys, 1, excludeSelf, cancellation);
        return new DecoderMatch(best.Index, best.Cosine);
    }
}
