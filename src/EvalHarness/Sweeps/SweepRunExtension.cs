// SweepRunExtension — the config's "sweep" inside `run` (the full profile): after the suites it runs the sweep under
// OUT/sweep (SweepSession), returns the fitted exponents as records (SweepMetrics), hands the report its sweep section
// (SweepReport.Section), and bands those exponents in an updated baseline by their bootstrap intervals. In a
// data-parallel run every rank trains the sweep's points first (Train); rank 0's Measure then only evaluates.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Results;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Sweeps;

public sealed class SweepRunExtension : IRunExtension
{
    private SweepOutcome? _last;
    private int _worldSize = 1;

    public IReadOnlyList<MetricRecord> Measure(HarnessConfig config, InterpEval.Torch.Device device, IRunProgress progress, CancellationToken cancellation)
    {
        if (config.Sweep is not { } sweep) return [];
        _last = SweepSession.Run(Request(config, sweep), device, progress, cancellation: cancellation);
        return SweepMetrics.Records(_last.Fits);
    }

    public void Train(HarnessConfig config, InterpEval.Torch.Device device, IRunProgress progress, DistributedTraining job, CancellationToken cancellation)
    {
        if (config.Sweep is not { } sweep) return;
        _worldSize = job.WorldSize;                                                     // Measure keys the points the same way
        progress.Scope(() =>
        {
            new SweepRunner(progress).TrainPoints(Request(config, sweep), device, job, cancellation);
            return 0;
        });
    }

    private SweepRequest Request(HarnessConfig config, SweepSettings sweep) =>
        SweepRequest.From(config, sweep, Path.Combine(config.Out, "sweep")) with { WorldSize = _worldSize };

    public ReportSection? Section => _last is null ? null : new ReportSection("sweep", SweepReport.Section(_last, new ChartRenderer(560, 380)));

    public Baseline AdjustBaseline(Baseline updated, Baseline? previous) =>
        _last is null ? updated : SweepMetrics.WithBootstrapTolerances(updated, SweepMetrics.Estimates(_last.Fits), previous);
}
