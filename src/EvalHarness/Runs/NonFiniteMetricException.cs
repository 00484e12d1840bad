// NonFiniteMetricException — a suite produced NaN or infinity for a metric: a fault of the computation (exit 70 with
// the metric, subject and seed named), never a number to gate on or store. Thrown by the run pipeline before any
// result file, history row or baseline is written.
using InterpEval.Suites;

namespace InterpEval.Harness.Runs;

public sealed class NonFiniteMetricException(string message) : Exception(message)
{
    /// <summary>Throws for the first record whose value or stderr is not finite.</summary>
    public static void ThrowIfAny(IEnumerable<MetricRecord> records, ulong seed)
    {
        foreach (MetricRecord r in records)
            if (!double.IsFinite(r.Value) || r.Stderr is { } se && !double.IsFinite(se))
                throw new NonFiniteMetricException(
                    $"{r.Key} is {(double.IsFinite(r.Value) ? r.Stderr : r.Value)} (seed {seed}) — a non-finite metric means the computation failed; nothing was written");
    }
}
