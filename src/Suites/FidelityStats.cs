// FidelityStats — float64 accumulators for replacement fidelity (DESIGN §8): next-token CE of the clean model, the
// model with the prediction spliced in, and with the target zero- and mean-ablated; KL(p_clean ‖ p_spliced) and top-1
// agreement; and the derived CE-loss-recovered ratios. One instance per spliced variant. Records: FidelitySuite.
namespace InterpEval.Suites;

public sealed class FidelityStats
{
    public BatchMean CeClean { get; } = new();
    public BatchMean CeSpliced { get; } = new();
    public BatchMean CeZeroAblation { get; } = new();
    public BatchMean CeMeanAblation { get; } = new();

    /// <summary>ce_spliced − ce_clean, paired per batch (its stderr is tighter than either CE's).</summary>
    public BatchMean CeDelta { get; } = new();

    public BatchMean Kl { get; } = new();
    public BatchMean Top1 { get; } = new();

    public long Count => CeClean.Count;

    /// <summary>(ce_zero_abl − ce_spliced) / (ce_zero_abl − ce_clean): 1 for a perfect splice, 0 for one no better than zeros.</summary>
    public double CeLossRecovered => Recovered(CeZeroAblation.Mean);

    /// <summary>The same against mean ablation.</summary>
    public double CeLossRecoveredMean => Recovered(CeMeanAblation.Mean);

    private double Recovered(double ablated) => (ablated - CeSpliced.Mean) / (ablated - CeClean.Mean);

    /// <summary>Adds one batch's counted predictions: log-probabilities [P, V] of each variant (ablations may be null
    /// when only the splice is measured, as for the full replacement model) and the next tokens [P].</summary>
    public void Add(Tensor clean, Tensor spliced, Tensor? zeroAblated, Tensor? meanAblated, Tensor targets)
    {
        long n = targets.Size(0);
        if (n == 0) return;
        double ceClean = NextTokenScores.CrossEntropySum(clean, targets);
        double ceSpliced = NextTokenScores.CrossEntropySum(spliced, targets);
        CeClean.Add(ceClean, n);
        CeSpliced.Add(ceSpliced, n);
        CeDelta.Add(ceSpliced - ceClean, n);
        if (zeroAblated is not null) CeZeroAblation.Add(NextTokenScores.CrossEntropySum(zeroAblated, targets), n);
        if (meanAblated is not null) CeMeanAblation.Add(NextTokenScores.CrossEntropySum(meanAblated, targets), n);
        Kl.Add(NextTokenScores.KlSum(clean, spliced), n);
        Top1.Add(NextTokenScores.Top1Agreements(clean, spliced), n);
    }
}
