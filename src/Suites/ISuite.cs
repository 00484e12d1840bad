// ISuite — the contract of a metric suite (DESIGN §3, §8): given a subject model, a subject (a dictionary, or a
// cross-layer transcoder) and data, compute metric records. Suites never print, never judge (gates do) and never format
// (exporters do). One class per suite, one file each; what a suite does beyond one dictionary (once per evaluation,
// across dictionaries, on a CLT) it says through the members below, so SuiteRunner names no suite.
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

    /// <summary>Whether one run per evaluation is enough (the suite measures something other than the input dictionary,
    /// as ground-truth measures the training recipe): the runner then runs it on the first dictionary only.</summary>
    bool OncePerEvaluation => false;

    /// <summary>Run with whatever the suite measures beyond the records (sparsity: per-latent densities).</summary>
    SuiteResult Evaluate(SuiteInput input, CancellationToken cancellation = default) => new(Run(input, cancellation));

    /// <summary>Records about the dictionaries together, after each was measured alone (neighbours: feature splitting
    /// across widths); none by default.</summary>
    IEnumerable<MetricRecord> RunAcross(IReadOnlyList<(string Subject, Interp.Dictionaries.SparseDictionary Dictionary)> dictionaries,
        CancellationToken cancellation = default) => [];

    /// <summary>The records of a cross-layer transcoder (one that fits the model: CltSuiteInput.Problem is null), or null
    /// when the suite does not apply to one (the default).</summary>
    IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) => null;
}

/// <summary>What a suite returns: its records, and in subtypes the detail behind them (SparsityResult).</summary>
public record SuiteResult(IReadOnlyList<MetricRecord> Records);
