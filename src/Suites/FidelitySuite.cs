// FidelitySuite — how much of the model's behaviour survives when the dictionary's prediction replaces the activation
// it stands for (DESIGN §8). An sae's reconstruction replaces its hook; a transcoder's prediction (from its input hook
// in the same forward) replaces hook_name_out. Interventions apply at counted positions only (separator positions keep
// their clean value: no dictionary is trained on them), and only counted predictions are scored. Reports ce_clean,
// ce_spliced, ce_zero_abl, ce_mean_abl (mean of the target over the evaluated tokens), both CE-loss-recovered ratios,
// ce_delta, kl and top1_agreement; with SuiteInput.LayerTranscoders also the full replacement model.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites;

public sealed class FidelitySuite : ISuite
{
    public const string SuiteName = "fidelity";

    public string Name => SuiteName;

    public string Description => "next-token CE, KL and top-1 agreement with the prediction spliced into the forward, vs zero and mean ablation";

    public string? CannotRun(SuiteInput input) =>
        EvalTokens.Missing(input) ?? EvalActivations.HookProblem(input.Dictionary, input.Model!)
        ?? (input.LayerTranscoders is { } set ? ReplacementModel.Problem(set, input.Model!) : null);

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default)
    {
        var (spliced, replacement) = Measure(input, cancellation);
        var records = Records(input.Subject, spliced).ToList();
        if (replacement is not null) records.AddRange(ReplacementRecords(input.Subject, replacement));
        return records;
    }

    /// <summary>A CLT: its full replacement model (every MLP output replaced at once).</summary>
    public IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) =>
        CltEvaluation.ReplacementRecords(input, cancellation);

    /// <summary>The statistics of the splice and (when LayerTranscoders is set) of the full replacement model.</summary>
    public static (FidelityStats Spliced, FidelityStats? Replacement) Measure(SuiteInput input, CancellationToken cancellation = default)
    {
        var model = input.Model ?? throw new ArgumentException("fidelity needs a subject model");
        if (input.LayerTranscoders is { } set && ReplacementModel.Problem(set, model) is { } problem) throw new InvalidDataException(problem);
        double[] targetMean = TargetMean(input, cancellation);
        var spliced = new FidelityStats();
        var replacement = input.LayerTranscoders is null ? null : new FidelityStats();
        foreach (var batch in EvalTokens.Batches(input))
        {
            using (batch)
            {
                cancellation.ThrowIfCancellationRequested();
                MeasureBatch(model, input.Dictionary, input.LayerTranscoders, targetMean, batch, spliced, replacement);
            }
        }
        if (spliced.Count == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no prediction that counts");
        return (spliced, replacement);
    }

    private static void MeasureBatch(TransformerModel model, SparseDictionary dictionary, IReadOnlyList<SparseDictionary>? layers,
        double[] targetMean, EvalBatch batch, FidelityStats spliced, FidelityStats? replacement)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var keep = batch.Keep.Unsqueeze(-1);                                                 // [S, T, 1]
        string target = EvalActivations.TargetHook(dictionary);
        var mean = Tensor.From(targetMean, targetMean.Length).To(ScalarType.Float32).To(model.Device);  // [D_out]
        var clean = LogProbs(model, batch, new ForwardHooks());
        var withPrediction = LogProbs(model, batch, Splice(new ForwardHooks(), dictionary, keep));
        var zero = LogProbs(model, batch, new ForwardHooks().Replace(target, v => v.MaskedFill(keep, 0)));
        var meanAblated = LogProbs(model, batch, new ForwardHooks().Replace(target, v => Tensor.Where(keep, mean.Expand(v.Shape), v)));
        var targets = NextTokenScores.Targets(batch);                                        // [P]
        spliced.Add(clean, withPrediction, zero, meanAblated, targets);
        if (replacement is null || layers is null) return;
        var hooks = new ForwardHooks();
        foreach (var transcoder in layers) Splice(hooks, transcoder, keep);
        replacement.Add(clean, LogProbs(model, batch, hooks), null, null, targets);
    }

    /// <summary>Registers on hooks the replacement of a dictionary's target by its prediction at kept positions: an sae
    /// reconstructs the value it replaces; a transcoder predicts from its input hook's value in the same forward.</summary>
    public static ForwardHooks Splice(ForwardHooks hooks, SparseDictionary dictionary, Tensor keep)
    {
        string inHook = dictionary.Config.HookName, outHook = EvalActivations.TargetHook(dictionary);
        if (inHook == outHook) return hooks.Replace(outHook, v => Tensor.Where(keep, dictionary.Predict(v), v));
        Tensor? input = null;
        hooks.Replace(inHook, v => input = v);
        return hooks.Replace(outHook, v => Tensor.Where(keep,
            dictionary.Predict(input ?? throw new InvalidOperationException($"{outHook} ran before {inHook}: a transcoder must read an earlier hook")), v));
    }

    private static Tensor LogProbs(TransformerModel model, EvalBatch batch, ForwardHooks hooks) =>
        NextTokenScores.LogProbs(model.Forward(batch.Tokens, hooks)!, batch);

    /// <summary>The mean of the dictionary's target hook over the evaluated tokens [D_out] (float64), for mean ablation.</summary>
    private static double[] TargetMean(SuiteInput input, CancellationToken cancellation)
    {
        double[]? sum = null;
        long n = 0;
        foreach (var rows in EvalActivations.Stream(input, cancellation))
        {
            double[] batchSum = rows.Y.To(ScalarType.Float64).Sum(0).ToArray<double>();
            sum ??= new double[batchSum.Length];
            for (int i = 0; i < sum.Length; i++) sum[i] += batchSum[i];
            n += rows.Y.Size(0);
        }
        if (sum is null || n == 0) throw new InvalidDataException("no evaluation tokens: the validation split gave no position that counts");
        return sum.Select(s => s / n).ToArray();
    }

    /// <summary>A fraction of T tokens moves in steps of 1/T.</summary>
    private static double? Resolution(BatchMean m) => m.Count > 0 ? 1.0 / m.Count : null;

    public static IReadOnlyList<MetricRecord> Records(string subject, FidelityStats s)
    {
        MetricRecord R(string name, double value, string unit, MetricDirection d, double? stderr = null) => new(SuiteName, subject, name, value, unit, d, stderr);
        return
        [
            R("ce_clean", s.CeClean.Mean, "nats/token", MetricDirection.None, s.CeClean.Stderr),
            R("ce_spliced", s.CeSpliced.Mean, "nats/token", MetricDirection.Lower, s.CeSpliced.Stderr),
            R("ce_zero_abl", s.CeZeroAblation.Mean, "nats/token", MetricDirection.None, s.CeZeroAblation.Stderr),
            R("ce_mean_abl", s.CeMeanAblation.Mean, "nats/token", MetricDirection.None, s.CeMeanAblation.Stderr),
            R("ce_delta", s.CeDelta.Mean, "nats/token", MetricDirection.Lower, s.CeDelta.Stderr),
            R("ce_loss_recovered", s.CeLossRecovered, "fraction", MetricDirection.Higher),
            R("ce_loss_recovered_mean", s.CeLossRecoveredMean, "fraction", MetricDirection.Higher),
            R("kl", s.Kl.Mean, "nats/token", MetricDirection.Lower, s.Kl.Stderr),
            R("top1_agreement", s.Top1.Mean, "fraction", MetricDirection.Higher, s.Top1.Stderr) with { Resolution = Resolution(s.Top1) },
        ];
    }

    /// <summary>Records of the full replacement model (every MLP replaced by its layer's transcoder at once).</summary>
    public static IReadOnlyList<MetricRecord> ReplacementRecords(string subject, FidelityStats s)
    {
        MetricRecord R(string name, double value, string unit, MetricDirection d, double? stderr) => new(SuiteName, subject, name, value, unit, d, stderr);
        return
        [
            R("replacement_ce", s.CeSpliced.Mean, "nats/token", MetricDirection.Lower, s.CeSpliced.Stderr),
            R("replacement_ce_delta", s.CeDelta.Mean, "nats/token", MetricDirection.Lower, s.CeDelta.Stderr),
            R("replacement_kl", s.Kl.Mean, "nats/token", MetricDirection.Lower, s.Kl.Stderr),
            R("replacement_top1_agreement", s.Top1.Mean, "fraction", MetricDirection.Higher, s.Top1.Stderr) with { Resolution = Resolution(s.Top1) },
        ];
    }
}
