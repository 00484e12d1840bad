// SteeringMeasures — the numbers steering reports for one intervention (or none): cross-entropy of held-out text,
// KL from the unsteered model along a generated continuation, and the steering score's parts. Float64 throughout.
// It generates nothing and chooses no latent (SteeringSuite does).
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Steering;

public static class SteeringMeasures
{
    /// <summary>Mean next-token cross-entropy (nats) of sequences [S][T] under the hooks (none: the clean model);
    /// positions whose target is the separator are not counted.</summary>
    public static double CrossEntropy(TransformerModel model, IReadOnlyList<long[]> sequences, ForwardHooks? hooks, long? separator)
    {
        double total = 0;
        long count = 0;
        foreach (var sequence in sequences)
        {
            using var scope = DisposeScope.Enter();
            using var noGrad = Autograd.NoGrad();
            var logProbs = Forward(model, sequence, hooks).LogSoftmax(-1).To(ScalarType.Float64);   // [T, V]
            var rows = logProbs.ToArray<double>();
            long v = logProbs.Size(1);
            for (int t = 0; t + 1 < sequence.Length; t++)
            {
                if (sequence[t + 1] == separator) continue;
                total -= rows[t * v + sequence[t + 1]];
                count++;
            }
        }
        return count == 0 ? double.NaN : total / count;
    }

    /// <summary>Mean KL(p_unsteered ‖ p_steered) (nats) over the positions that predict tokens from <paramref name="from"/> on.</summary>
    public static double KlFromUnsteered(TransformerModel model, long[] sequence, int from, ForwardHooks steering)
    {
        if (from < 1 || from >= sequence.Length) return double.NaN;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var clean = Forward(model, sequence, null).To(ScalarType.Float64).LogSoftmax(-1);          // [T, V]
        var steered = Forward(model, sequence, steering).To(ScalarType.Float64).LogSoftmax(-1);    // [T, V]
        var kl = (clean.Exp() * (clean - steered)).Sum(-1);                                         // [T]
        return kl.Narrow(0, from - 1, sequence.Length - from).Mean().ToDouble();
    }

    /// <summary>min(1, ce_unsteered / ce_steered): 1 when steering costs no held-out loss, → 0 as its loss grows.</summary>
    public static double FluencyRetention(double ceUnsteered, double ceSteered) =>
        ceSteered <= 0 || double.IsNaN(ceSteered) ? double.NaN : Math.Min(1, ceUnsteered / ceSteered);

    /// <summary>Harmonic mean 2·s·r / (s + r) of concept success and fluency retention (0 when both are 0).</summary>
    public static double Score(double success, double retention) =>
        success + retention == 0 ? 0 : 2 * success * retention / (success + retention);

    private static Tensor Forward(TransformerModel model, long[] sequence, ForwardHooks? hooks)
    {
        hooks?.ClearCaptured();
        var tokens = Tensor.From<long>(sequence, [1, sequence.Length], model.Device);
        return model.Forward(tokens, hooks)!.Select(0, 0);                                          // [T, V]
    }
}
