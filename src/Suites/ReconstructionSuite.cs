// ReconstructionSuite — how well a dictionary reproduces its target on the evaluation tokens (DESIGN §8): mse, fvu and
// fve about the mean, cosine, l2_ratio, rel_bias. For an sae the target is its own input hook; for a transcoder it is
// hook_name_out (the MLP output). Per-layer records for cross-layer transcoders are built by Records with a layer.
namespace InterpEval.Suites;

public sealed class ReconstructionSuite : ISuite
{
    public const string SuiteName = "reconstruction";

    public string Name => SuiteName;

    public string Description => "mse, fvu/fve (about the mean), cosine, l2_ratio, rel_bias of the prediction on validation tokens";

    public string? CannotRun(SuiteInput input) =>
        EvalTokens.Missing(input) ?? EvalActivations.HookProblem(input.Dictionary, input.Model!);

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default) =>
        Records(input.Subject, Measure(input, cancellation));

    /// <summary>A CLT: fvu and fve pooled over layers, then per layer ("{metric}/layer{l}").</summary>
    public IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) =>
        [.. CltEvaluation.ReconstructionRecords(input.Subject, input.Layers(cancellation).Reconstruction)];

    /// <summary>The accumulated statistics (for callers that want more than the records).</summary>
    public static ReconstructionStats Measure(SuiteInput input, CancellationToken cancellation = default)
    {
        var stats = new ReconstructionStats();
        foreach (var rows in EvalActivations.Stream(input, cancellation))
        {
            using var noGrad = Autograd.NoGrad();
            stats.Add(rows.Y, input.Dictionary.Predict(rows.X));
        }
        if (stats.Count == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no position that counts");
        return stats;
    }

    /// <summary>The records of one set of statistics; layer (for per-layer metrics of a cross-layer transcoder) suffixes
    /// each name with "/layer{l}".</summary>
    public static IReadOnlyList<MetricRecord> Records(string subject, ReconstructionStats s, int? layer = null)
    {
        string N(string name) => layer is int l ? $"{name}/layer{l}" : name;
        MetricRecord R(string name, double value, string unit, MetricDirection d, double? stderr = null) =>
            new(SuiteName, subject, N(name), value, unit, d, stderr);
        return
        [
            R("mse", s.Mse.Mean, "squared norm/token", MetricDirection.Lower, s.Mse.Stderr),
            R("fvu", s.Fvu, "fraction", MetricDirection.Lower),
            R("fve", s.Fve, "fraction", MetricDirection.Higher),
            R("cosine", s.Cosine.Mean, "", MetricDirection.Higher, s.Cosine.Stderr),
            R("l2_ratio", s.L2Ratio.Mean, "ratio", MetricDirection.None, s.L2Ratio.Stderr),
            R("rel_bias", s.RelBias, "ratio", MetricDirection.None),
        ];
    }
}
