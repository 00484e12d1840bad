// SweepSession — one sweep from request to files, shared by `interp-eval sweep` and `run` (a profile with a "sweep"):
// SweepRunner's points (harvest once, train, evaluate, resumable), feature splitting, the scaling fits (ScalingFits),
// then points.csv, fits.json, fits.csv, sweep.json, the plots (SVG + PNG) and report.html under the request's Out, each
// written atomically. It prints nothing but progress; the caller reports the outcome. With a data-parallel job (rank 0)
// the points are trained with the other ranks (which call TrainAsRank) and the job ends before the evaluation.
using System.Diagnostics;
using System.Text.Json.Nodes;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Tool;
using InterpEval.Interp.IO;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Sweeps;

/// <param name="Request">The grid that ran.</param>
/// <param name="Points">Every point with its FLOPs and metrics.</param>
/// <param name="Timing">Where this invocation's time went.</param>
/// <param name="Fits">Each variant's laws with bootstrap intervals.</param>
/// <param name="Splitting">Feature splitting across consecutive widths.</param>
/// <param name="Charts">The plots, by file name.</param>
/// <param name="Seconds">Wall time of the whole session.</param>
public sealed record SweepOutcome(SweepRequest Request, IReadOnlyList<SweepPointResult> Points, SweepTiming Timing, IReadOnlyList<ArchitectureScaling> Fits,
    IReadOnlyList<SplittingPair> Splitting, IReadOnlyList<(string Name, Chart Chart)> Charts, double Seconds);

public static class SweepSession
{
    public static SweepOutcome Run(SweepRequest request, InterpEval.Torch.Device device, IRunProgress progress, Action<SweepPoint>? afterPoint = null,
        CancellationToken cancellation = default, DistributedTraining? job = null)
    {
        var clock = Stopwatch.StartNew();
        var runner = new SweepRunner(progress) { AfterPoint = afterPoint };
        var (points, timing) = progress.Scope(() => runner.Run(request, device, cancellation, job));
        var splitting = SweepRunner.Splitting(request, points, device, cancellation);
        var fits = ScalingFits.Fit(SweepOutputs.ScalingPoints(points), request.Bootstrap);
        string o = request.Out;
        Directory.CreateDirectory(o);
        SweepOutputs.WritePointsCsv(Path.Combine(o, "points.csv"), points);
        SweepOutputs.WriteFitsCsv(Path.Combine(o, "fits.csv"), fits);
        SweepOutputs.WriteJson(Path.Combine(o, "fits.json"), SweepOutputs.FitsJson(fits, timing, splitting));
        var renderer = new ChartRenderer();
        var charts = SweepCharts.All(points, fits, splitting);
        foreach ((string name, Chart chart) in charts) renderer.Save(chart, Path.Combine(o, "plots", name));
        AtomicFile.WriteAllText(Path.Combine(o, "report.html"), SweepReport.Html(request, points, timing, fits, charts, new ChartRenderer(600, 400)));
        SweepOutputs.WriteJson(Path.Combine(o, "sweep.json"), new JsonObject
        {
            ["widths"] = new JsonArray([.. request.Widths.Select(w => (JsonNode)w)]), ["tokens"] = new JsonArray([.. request.Tokens.Select(t => (JsonNode)t)]),
            ["architectures"] = new JsonArray([.. request.Architectures.Select(a => (JsonNode)a)]), ["seeds"] = request.Seeds, ["points"] = points.Count,
            ["timing_s"] = new JsonObject
            {
                ["harvest"] = timing.Harvest, ["harvest_tokenise"] = timing.Tokenise, ["training"] = timing.Training, ["evaluation"] = timing.Evaluation,
                ["total"] = clock.Elapsed.TotalSeconds,
            },
            ["harvested_rows"] = timing.HarvestedRows,
        });
        return new SweepOutcome(request, points, timing, fits, splitting, charts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A rank other than 0 of a data-parallel sweep: trains with rank 0, then ends the job (rank 0 evaluates and
    /// writes everything).</summary>
    public static void TrainAsRank(SweepRequest request, InterpEval.Torch.Device device, IRunProgress progress, DistributedTraining job,
        CancellationToken cancellation = default)
    {
        new SweepRunner(progress).TrainPoints(request, device, job, cancellation);
        job.Finish();
    }
}
