// GroundTruthSuite — feature recovery on synthetic superposition data, where the true features are known (DESIGN §8):
// mmcs (mean over true features of the best decoder cosine) and the fraction recovered at cos > 0.9. A dictionary
// trained on a model's activations has no ground truth, so as a suite it trains its own small TopK (the tool's TopK
// recipe: d 32, G 64, s 3, width 128, k 4, seeded by SuiteOptions.Seed) and reports it under the subject
// "synthetic-topk": a check of the training recipe, not of the input dictionary. Score measures a given dictionary
// whose d_in matches the generator's d (one trained on the same synthetic data by the caller).
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;

namespace InterpEval.Suites;

public sealed class GroundTruthSuite : ISuite
{
    public const string SuiteName = "ground-truth";

    /// <summary>The subject of the suite's records (the dictionary it trains, not the input dictionary).</summary>
    public const string Subject = "synthetic-topk";

    public const double RecoveredCosine = 0.9;

    public string Name => SuiteName;

    public string Description => "mmcs and fraction of true features recovered (cos > 0.9) by a small TopK trained on synthetic superposition data";

    /// <summary>The synthetic data the suite trains on (its seed is replaced by SuiteOptions.Seed).</summary>
    public static SuperpositionOptions Data { get; } = new(Dim: 32, Features: 64, ActivePerSample: 3);

    /// <summary>The TopK the suite trains.</summary>
    public static GroundTruthTrainingOptions Training { get; } = new();

    public string? CannotRun(SuiteInput input) => null;

    /// <summary>It measures the training recipe, not the input dictionary: once per evaluation is enough.</summary>
    public bool OncePerEvaluation => true;

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default)
    {
        ulong seed = input.Options.Seed;
        using var data = new SyntheticSuperposition(Data with { Seed = seed + 1 });
        using var dictionary = GroundTruthTraining.Train(data, Training with { Seed = seed + 1 }, cancellation);
        return Records(Subject, Score(dictionary, data));
    }

    /// <summary>Scores a dictionary against the generator's true features (d_in must equal the generator's d).</summary>
    public static RecoveryResult Score(SparseDictionary dictionary, SyntheticSuperposition data)
    {
        if (dictionary.DOut != data.Options.Dim)
            throw new ArgumentException($"the dictionary predicts {dictionary.DOut}-wide activations but the synthetic data is {data.Options.Dim}-wide");
        return FeatureRecovery.Measure(data.Features, dictionary, RecoveredCosine);
    }

    public static IReadOnlyList<MetricRecord> Records(string subject, RecoveryResult r) =>
    [
        new(SuiteName, subject, "mmcs", r.Mmcs, "cosine", MetricDirection.Higher),
        new(SuiteName, subject, "recovered_frac", r.FractionRecovered, "fraction", MetricDirection.Higher),
    ];
}
