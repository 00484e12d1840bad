// ISuite — the contract of a metric suite (DESIGN §3, §8): given a subject model, a dictionary and data, compute metric
// records. Suites never print, never judge (gates do) and never format (exporters do). One class per suite, one file each.
namespace InterpEval.Suites;

public interface ISuite
{
    /// <summary>The suite's stable name (reconstruction, sparsity, fidelity, ground-truth, probes, neighbours, steering).</summary>
    string Name { get; }

    /// <summary>One line for --help and reports.</summary>
    string Description { get; }

    /// <summary>Why the suite cannot run on this input (for example "needs a subject model"), or null when it can.</summary>
    string? CannotRun(SuiteInput input);

    /// <summary>Measures the input; throws OperationCanceledException when cancelled (nothing partial is returned).</summary>
    IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default);
}
