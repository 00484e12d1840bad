// SweepHandler — `interp-eval sweep`: resolves the config, runs the grid (SweepRunner: harvest once, train, evaluate,
// resumable), fits the scaling laws (ScalingFits), writes points.csv, fits.json, fits.csv, sweep.json, the plots
// (SweepOutputs, SweepCharts) and report.html (SweepReport) under --out, and prints each variant's laws with their intervals and the compute-optimal
// width at the largest compute. Bad grids are usage errors before any work.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Config;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Sweeps;
using InterpEval.Interp.IO;
using InterpEval.Suites;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Commands.Sweep;

/// <param name="Config">Config file (model, corpus, eval, training, seed), or null for the default profile's.</param>
/// <param name="Widths">Latent counts.</param>
/// <param name="Tokens">Token budgets.</param>
/// <param name="Architectures">Architectures.</param>
/// <param name="Ks">k values (topk family).</param>
/// <param name="L1s">λ values (relu, jumprelu).</param>
/// <param name="Seeds">Seeds per cell.</param>
/// <param name="Out">Output and resume directory.</param>
/// <param name="Suites">Suites per point.</param>
/// <param name="Bootstrap">Bootstrap resamples per fit.</param>
public sealed record SweepOptions(string? Config, IReadOnlyList<int> Widths, IReadOnlyList<long> Tokens, IReadOnlyList<string> Architectures,
    IReadOnlyList<int> Ks, IReadOnlyList<double> L1s, int Seeds, string Out, IReadOnlyList<string> Suites, int Bootstrap);

public sealed class SweepHandler(TextWriter stdout, IRunProgress progress)
{
    internal Action<SweepPoint>? AfterPoint { get; init; }

    public ExitCode Run(SweepOptions o, InterpEval.Torch.Device device, CancellationToken cancellation = default)
    {
        SweepRequest request = Request(o);
        var clock = Stopwatch.StartNew();
        var runner = new SweepRunner(progress) { AfterPoint = AfterPoint };
        var (points, timing) = progress.Scope(() => runner.Run(request, device, cancellation));
        var splitting = SweepRunner.Splitting(request, points, device, cancellation);
        var fits = ScalingFits.Fit(SweepOutputs.ScalingPoints(points), o.Bootstrap);
        Directory.CreateDirectory(o.Out);
        SweepOutputs.WritePointsCsv(Path.Combine(o.Out, "points.csv"), points);
        SweepOutputs.WriteFitsCsv(Path.Combine(o.Out, "fits.csv"), fits);
        SweepOutputs.WriteJson(Path.Combine(o.Out, "fits.json"), SweepOutputs.FitsJson(fits, timing, splitting));
        var renderer = new ChartRenderer();
        var charts = SweepCharts.All(points, fits, splitting);
        foreach ((string name, Chart chart) in charts) renderer.Save(chart, Path.Combine(o.Out, "plots", name));
        AtomicFile.WriteAllText(Path.Combine(o.Out, "report.html"), SweepReport.Html(request, points, timing, fits, charts, new ChartRenderer(600, 400)));
        SweepOutputs.WriteJson(Path.Combine(o.Out, "sweep.json"), new JsonObject
        {
            ["widths"] = new JsonArray([.. o.Widths.Select(w => (JsonNode)w)]), ["tokens"] = new JsonArray([.. o.Tokens.Select(t => (JsonNode)t)]),
            ["architectures"] = new JsonArray([.. o.Architectures.Select(a => (JsonNode)a)]), ["seeds"] = o.Seeds, ["points"] = points.Count,
            ["timing_s"] = new JsonObject { ["harvest"] = timing.Harvest, ["training"] = timing.Training, ["evaluation"] = timing.Evaluation, ["total"] = clock.Elapsed.TotalSeconds,
                ["harvest_tokenise"] = timing.Tokenise },
            ["harvested_rows"] = timing.HarvestedRows,
        });
        Print(fits, points.Count, timing, clock.Elapsed.TotalSeconds, o.Out);
        return ExitCode.Ok;
    }

    private void Print(IReadOnlyList<ArchitectureScaling> fits, int points, SweepTiming t, double total, string outDir)
    {
        string F(double v) => Numbers.Format(v);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{points} points · harvest {t.Harvest:F1} s ({t.HarvestedRows} rows; tokenising {t.Tokenise:F1} s), training {t.Training:F1} s, evaluation {t.Evaluation:F1} s, total {total:F1} s"));
        foreach (var a in fits)
        {
            stdout.WriteLine($"{a.Architecture} ({a.Frontier.Count} compute-optimal points):");
            foreach (var law in a.Laws)
            {
                if (law.Estimate is not { } e) { stdout.WriteLine($"  {law.Name}: not fitted — {law.Missing}"); continue; }
                stdout.WriteLine($"  {law.Name}: a {F(e.Fit.A)} [{F(e.A.Lo)}, {F(e.A.Hi)}], b {F(e.Fit.B)} [{F(e.B.Lo)}, {F(e.B.Hi)}], c {F(e.Fit.C)} [{F(e.C.Lo)}, {F(e.C.Hi)}], R² (log) {F(e.Fit.R2Log)}" +
                    (e.Exact ? $" ({SweepOutputs.ExactNote})" : ""));
            }
            if (SweepOutputs.OptimalWidthAt(a) is { } opt)
                stdout.WriteLine($"  compute-optimal width at {F(opt.Flops)} FLOPs: {F(opt.Width)} latents, 95 % [{F(opt.Ci.Lo)}, {F(opt.Ci.Hi)}]");
        }
        stdout.WriteLine($"results: {outDir} (points.csv, fits.json, fits.csv, sweep.json, report.html, plots/)");
    }

    /// <summary>The request, with the grid checked (usage errors name the option).</summary>
    public static SweepRequest Request(SweepOptions o)
    {
        var sources = new ConfigSources(o.Config, o.Config is null ? "default" : null, [], new Dictionary<string, JsonNode?>());
        HarnessConfig config = ConfigLoader.Load(sources).Config;
        if (o.Widths.Count == 0 || o.Widths.Any(w => w < 2)) throw new UsageException("--widths: give widths of at least 2 latents");
        if (o.Tokens.Count == 0 || o.Tokens.Any(t => t < config.Training.BatchTokens))
            throw new UsageException($"--tokens: every budget must be at least one batch ({config.Training.BatchTokens} tokens, training.batch_tokens)");
        foreach (string a in o.Architectures)
            if (a is not ("topk" or "batchtopk" or "relu" or "jumprelu")) throw new UsageException($"--arch: unknown architecture '{a}' — expected topk, batchtopk, relu or jumprelu");
        if (o.Ks.Any(k => k < 1 || k > o.Widths.Min())) throw new UsageException($"--k: each k must be from 1 to the smallest width ({o.Widths.Min()})");
        if (o.L1s.Any(l => !(l > 0))) throw new UsageException("--l1: each coefficient must be positive");
        foreach (string s in o.Suites)
            if (!SuiteRegistry.TryGet(s, out _)) throw new UsageException($"--suite: unknown suite '{s}' — expected one of {string.Join(", ", SuiteRegistry.Names)}");
        if (!o.Suites.Contains(ReconstructionSuite.SuiteName) || !o.Suites.Contains(SparsitySuite.SuiteName))
            throw new UsageException("--suite: a sweep needs reconstruction and sparsity (the fitted loss is fvu; L0 and densities come from sparsity)");
        return new SweepRequest(config, o.Widths.Distinct().Order().ToList(), o.Tokens.Distinct().Order().ToList(), o.Architectures.Distinct().ToList(),
            o.Ks.Distinct().ToList(), o.L1s.Distinct().ToList(), o.Seeds, o.Out, o.Suites, o.Bootstrap);
    }
}
