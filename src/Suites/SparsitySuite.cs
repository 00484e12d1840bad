// SparsitySuite — how sparsely a dictionary fires on the evaluation tokens (DESIGN §8): l0, l1, dead_frac, dense_frac as
// records, and — as a typed result beside them, not as records — each latent's density, log10 density and the density
// histogram, for sparsity.safetensors and plots (one record per histogram bin would flood gates and tables).
namespace InterpEval.Suites;

/// <param name="Records">The scalar metrics (what Run returns).</param>
/// <param name="Densities">Fraction of evaluated tokens each latent fired on [F].</param>
/// <param name="LogDensities">log10(density + 1e-10) [F]: SAELens's "sparsity" tensor.</param>
/// <param name="Histogram">Latents per log10-density bin.</param>
public sealed record SparsityResult(IReadOnlyList<MetricRecord> Records, double[] Densities, double[] LogDensities, DensityHistogram Histogram)
    : SuiteResult(Records);

public sealed class SparsitySuite : ISuite
{
    public const string SuiteName = "sparsity";

    public string Name => SuiteName;

    public string Description => "l0, l1, dead and dense latent fractions, log10 feature-density histogram";

    public string? CannotRun(SuiteInput input) =>
        EvalTokens.Missing(input) ?? EvalActivations.HookProblem(input.Dictionary, input.Model!);

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default) => Measure(input, cancellation).Records;

    /// <summary>The records with the densities behind them (a SparsityResult).</summary>
    public SuiteResult Evaluate(SuiteInput input, CancellationToken cancellation = default) => Measure(input, cancellation);

    /// <summary>A CLT: l0 over all layers, then per layer ("{metric}/layer{l}").</summary>
    public IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) =>
        [.. CltEvaluation.SparsityRecords(input.Subject, input.Layers(cancellation).Sparsity)];

    public static SparsityResult Measure(SuiteInput input, CancellationToken cancellation = default)
    {
        var stats = new SparsityStats(input.Dictionary.DSae);
        foreach (var rows in EvalActivations.Stream(input, cancellation))
        {
            using var noGrad = Autograd.NoGrad();
            stats.Add(input.Dictionary.Encode(rows.X));
        }
        if (stats.Count == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no position that counts");
        return Result(input.Subject, stats);
    }

    public static SparsityResult Result(string subject, SparsityStats s)
    {
        MetricRecord R(string name, double value, string unit, MetricDirection d, double? stderr = null, double? resolution = null) =>
            new(SuiteName, subject, name, value, unit, d, stderr, resolution);
        var logDensities = s.LogDensities();
        IReadOnlyList<MetricRecord> records =
        [
            R("l0", s.L0.Mean, "latents/token", MetricDirection.None, s.L0.Stderr),
            R("l1", s.L1.Mean, "activation/token", MetricDirection.None, s.L1.Stderr),
            R("dead_frac", s.DeadFraction, "fraction", MetricDirection.Lower, resolution: 1.0 / s.Latents),
            R("dense_frac", s.DenseFraction, "fraction", MetricDirection.Lower, resolution: 1.0 / s.Latents),
        ];
        return new SparsityResult(records, s.Densities(), logDensities, DensityHistogram.From(logDensities));
    }
}
