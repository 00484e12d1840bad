// IRunExtension — work a profile adds to `run` after its suites, supplied from above (the sweep: Sweeps/SweepRunExtension,
// wired by the run command) so the pipeline stays below what it runs: more records to gate, a section for the report,
// and the change it makes to the baseline an update writes — and, as one rank of a data-parallel job, the training it
// needs, done by every rank before rank 0 measures. The pipeline calls it; it does not know what it measures.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Runs;

public interface IRunExtension
{
    /// <summary>Records measured for this config (one seed of the run), after the suites.</summary>
    IReadOnlyList<MetricRecord> Measure(HarnessConfig config, InterpEval.Torch.Device device, IRunProgress progress, CancellationToken cancellation);

    /// <summary>Every rank of a data-parallel job, before rank 0's Measure: trains, data parallel through job, what Measure
    /// will need (only rank 0 writes it), so rank 0's Measure then only evaluates. Leaves the job running.</summary>
    void Train(HarnessConfig config, InterpEval.Torch.Device device, IRunProgress progress, DistributedTraining job, CancellationToken cancellation);

    /// <summary>The report section of the last Measure, or null.</summary>
    ReportSection? Section { get; }

    /// <summary>The baseline an update writes, adjusted (previous: the file it replaces, or null).</summary>
    Baseline AdjustBaseline(Baseline updated, Baseline? previous);
}
