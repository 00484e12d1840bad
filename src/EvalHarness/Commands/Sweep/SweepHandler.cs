// SweepHandler — `interp-eval sweep`: resolves the config, runs the grid and writes its files (SweepSession: harvest
// once, train, evaluate, resumable; the scaling fits; points.csv, fits.json, fits.csv, sweep.json, the plots and
// report.html under --out), and prints each variant's laws with their intervals and the compute-optimal
// width at the largest compute. Bad grids are usage errors before any work. Started as one rank of a data-parallel job
// (Distributed/DistributedTraining) every rank trains the grid with the others; rank 0 alone evaluates, writes and
// prints, the others exit 0 once training is done.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Sweeps;
using InterpEval.Harness.Tool;
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
/// <param name="CommandLine">The command line, which every rank of a job must share.</param>
public sealed record SweepOptions(string? Config, IReadOnlyList<int> Widths, IReadOnlyList<long> Tokens, IReadOnlyList<string> Architectures,
    IReadOnlyList<int> Ks, IReadOnlyList<double> L1s, int Seeds, string Out, IReadOnlyList<string> Suites, int Bootstrap, string CommandLine = "");

public sealed class SweepHandler(TextWriter stdout, IRunProgress progress)
{
    internal Action<SweepPoint>? AfterPoint { get; init; }

    public ExitCode Run(SweepOptions o, InterpEval.Torch.Device device, CancellationToken cancellation = default)
    {
        SweepRequest request = Request(o);
        string options = DistributedTraining.WithConfig(o.CommandLine, o.Config is null ? "" : File.ReadAllText(o.Config));
        using DistributedTraining? job = DistributedTraining.Start(Environment.GetEnvironmentVariable, options, DistributedTraining.Backend(null, device));
        request = request with { WorldSize = job?.WorldSize ?? 1 };
        try
        {
            if (job is { IsWriter: false })
            {
                SweepSession.TrainAsRank(request, device, Terminal.Progress(TextWriter.Null, TextWriter.Null), job, cancellation);   // rank 0 writes
                return ExitCode.Ok;
            }
            SweepOutcome outcome = SweepSession.Run(request, device, progress, AfterPoint, cancellation, job);
            Print(outcome.Fits, outcome.Points.Count, outcome.Timing, outcome.Seconds, o.Out);
            return ExitCode.Ok;
        }
        catch (Exception e) when (job is not null)
        {
            job.Abandon(e);                                                                  // rank 0: the others stop too
            throw;
        }
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
        if (SweepGrid.Problem(o.Widths, o.Tokens, o.Architectures, o.Ks, o.L1s, o.Seeds, o.Suites, o.Bootstrap, config.Training.BatchTokens) is { } fault)
            throw new UsageException($"{fault.Option}: {fault.Message}");
        return new SweepRequest(config, o.Widths.Distinct().Order().ToList(), o.Tokens.Distinct().Order().ToList(), o.Architectures.Distinct().ToList(),
            o.Ks.Distinct().ToList(), o.L1s.Distinct().ToList(), o.Seeds, o.Out, o.Suites, o.Bootstrap);
    }
}
