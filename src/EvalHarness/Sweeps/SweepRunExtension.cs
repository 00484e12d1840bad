// SweepRunExtension — the config's "sweep" inside `run` (the full profile): after the suites it runs the sweep under
// OUT/sweep (SweepSession), returns the fitted exponents as records (SweepMetrics), hands the report its sweep section
// (SweepReport.Section), and bands those exponents in an updated baseline by their bootstrap intervals.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Config;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Results;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Sweeps;

public sealed class SweepRunExtension : IRunExtension
{
    private SweepOutcome? _last;

    public IReadOnlyList<MetricRecord> Measure(HarnessConfig config, InterpEval.Torch.Device device, IRunProgress progress, CancellationToken cancellation)
    {
        if (config.Sweep is not { } sweep) return [];
        _last = SweepSession.Run(SweepRequest.From(config, sweep, Path.Combine(config.Out, "sweep")), device, progress, cancellation: cancellation);
        return SweepMetrics.Records(_last.Fits);
    }

    public ReportSection? Section => _last is null ? null : new ReportSection("sweep", SweepReport.Section(_last, new ChartRenderer(560, 380)));

    public Baseline AdjustBaseline(Baseline updated, Baseline? previous) =>
        _last is null ? updated : SweepMetrics.WithBootstrapTolerances(updated, SweepMetrics.Estimates(_last.Fits), previous);
}
