// RunPipeline — `interp-eval run` from a resolved config to an exit code (DESIGN §3): baseline checked first (a bad one
// stops the run before any work), subject model + corpus, dictionaries (loaded, or trained and cached), suites →
// records (and an extension's, as the config's sweep: IRunExtension), gate vs baseline,
// exporters, history, and — only after all of that succeeded — the baseline update.
// Cancellation stops between and inside phases; every file it writes goes through a temp file and a rename.
// As one rank of a data-parallel job (RunRequest.Job), every rank first trains, together, every dictionary the run
// will need (TrainDataParallel: each calibration seed's, then the extension's), then the job ends; rank 0 alone goes on
// to evaluate, gate and write, finding them all in the cache, and the other ranks return.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Evaluation;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Gates;
using InterpEval.Harness.History;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;
using InterpEval.Torch;

namespace InterpEval.Harness.Runs;

/// <summary>Where the console table and machine-readable diagnostics go on stdout besides the files.</summary>
public enum AnnotationMode
{
    /// <summary>GitHub annotations when GITHUB_ACTIONS=true, else none.</summary>
    Auto,
    None,
    MsBuild,
    GitHub,
}

/// <param name="Config">The resolved configuration.</param>
/// <param name="ConfigJson">The same, as merged JSON (recorded in results.json).</param>
/// <param name="UpdateBaselines">Rewrite the baseline from this run instead of gating on it.</param>
/// <param name="Device">Where tensors live.</param>
/// <param name="Threads">libtorch threads (recorded).</param>
/// <param name="Annotations">Diagnostics printed on stdout after the table.</param>
/// <param name="Calibrate">With UpdateBaselines: measure the profile under this many seeds (seed, seed + 1, …) and store
/// each metric's mean with a band derived from its spread (ToleranceModel); 0 = one run, tolerances kept.</param>
/// <param name="Extension">Work after the suites (the config's sweep), or null.</param>
/// <param name="Job">The data-parallel job this process is one rank of, or null alone.</param>
public sealed record RunRequest(HarnessConfig Config, JsonObject ConfigJson, bool UpdateBaselines, Device Device, int Threads,
    AnnotationMode Annotations = AnnotationMode.Auto, int Calibrate = 0, IRunExtension? Extension = null, DistributedTraining? Job = null)
{
    /// <summary>Runs measured: Calibrate, or 1.</summary>
    public int SeedCount => Math.Max(1, Calibrate);

    /// <summary>The request of calibration run i (seed + i).</summary>
    public RunRequest Seeded(int i) => i == 0 ? this : this with { Config = Config with { Seed = Config.Seed + (ulong)i } };
}

/// <param name="ExitCode">0 ok, 1 regression.</param>
/// <param name="Result">The finished run.</param>
/// <param name="Written">Files written under the output directory.</param>
/// <param name="HistoryId">The history row, or null when history is off.</param>
public sealed record RunOutcome(ExitCode ExitCode, RunResult Result, IReadOnlyList<string> Written, long? HistoryId);

public sealed class RunPipeline(TextWriter stdout, IRunProgress progress)
{
    public RunOutcome Run(RunRequest request, CancellationToken cancellation = default)
    {
        HarnessConfig config = request.Config;
        Baseline? baseline = ReadBaseline(config.BaselinePath, mustExist: !request.UpdateBaselines);
        IReadOnlyList<IExporter> exporters = ExporterSet.Select(config.Exporters);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        if (request.Job is not null) TrainDataParallel(request, cancellation);
        IReadOnlyList<IReadOnlyList<MetricRecord>> runs = MeasureAll(request, cancellation);
        IReadOnlyList<MetricRecord> records = runs.Count == 1 ? runs[0] : MeanRecords(runs);
        RunInfo info = new(RunInfo.NewId(started), VersionAction.ToolVersion, GitCommit.Current(), MachineInfo.Current(), config.Profile, started,
            clock.Elapsed.TotalSeconds, config.Seed, request.Device.ToString(), request.Threads);
        var ranSuites = new HashSet<string>(config.Suites, StringComparer.Ordinal);
        GateResult? gate = request.UpdateBaselines || baseline is null ? null : Gate.Evaluate(records, baseline, ranSuites, config.FailOnMissing);
        var result = new RunResult(info, JsonSerializer.SerializeToElement(request.ConfigJson), records, gate) { Sections = request.Extension?.Section is { } section ? [section] : [] };
        return Publish(request, result, runs, exporters, baseline, ranSuites, cancellation);
    }

    /// <summary>One run's records, or with Calibrate = N the records of N runs under seeds seed … seed + N − 1. Every
    /// value must be finite: a NaN or infinity is an internal fault named by its metric (exit 70), never a verdict.</summary>
    private IReadOnlyList<IReadOnlyList<MetricRecord>> MeasureAll(RunRequest request, CancellationToken cancellation)
    {
        int count = request.SeedCount;
        var runs = new List<IReadOnlyList<MetricRecord>>(count);
        for (int i = 0; i < count; i++)
        {
            RunRequest seeded = request.Seeded(i);
            if (count > 1) progress.Note($"calibration run {i + 1} of {count} (seed {seeded.Config.Seed})");
            IReadOnlyList<MetricRecord> records = progress.Scope(() => Measure(seeded, cancellation));
            cancellation.ThrowIfCancellationRequested();
            NonFiniteMetricException.ThrowIfAny(records, seeded.Config.Seed);
            runs.Add(records);
        }
        return runs;
    }

    /// <summary>Per metric, the mean over calibration runs (what results.json reports for a calibration).</summary>
    private static IReadOnlyList<MetricRecord> MeanRecords(IReadOnlyList<IReadOnlyList<MetricRecord>> runs) =>
        [.. runs[0].Select(first => first with
        {
            Value = runs.Average(run => run.First(r => r.Key == first.Key).Value),
            Stderr = runs.Max(run => run.First(r => r.Key == first.Key).Stderr),
        })];

    private RunOutcome Publish(RunRequest request, RunResult result, IReadOnlyList<IReadOnlyList<MetricRecord>> runs, IReadOnlyList<IExporter> exporters,
        Baseline? baseline, IReadOnlySet<string> ranSuites, CancellationToken cancellation)
    {
        HarnessConfig config = request.Config;
        IReadOnlyList<string> written = ExporterSet.WriteAll(result, config.Out, exporters, cancellation);
        cancellation.ThrowIfCancellationRequested();
        long? historyId = null;
        if (config.History.Length > 0)
        {
            using HistoryDb db = HistoryDb.Open(config.History, create: true);
            historyId = db.Append(result);
        }
        if (exporters.OfType<ConsoleTableExporter>().FirstOrDefault() is { } table) table.Write(result, Terminal.For(stdout, 140));
        WriteAnnotations(request.Annotations, result);
        if (request.UpdateBaselines)
        {
            Baseline updated = runs.Count > 1
                ? BaselineUpdate.FromCalibration(config.BaselinePath, result.Info, runs, baseline, ranSuites)
                : BaselineUpdate.From(config.BaselinePath, result.Info, result.Records, baseline, ranSuites);
            if (request.Extension is { } extension) updated = extension.AdjustBaseline(updated, baseline);
            BaselineFile.Write(updated);
            stdout.WriteLine($"baseline written: {config.BaselinePath} ({updated.Entries.Count} metrics" +
                             (runs.Count > 1 ? $", calibrated over {runs.Count} seeds)" : ")"));
        }
        stdout.WriteLine($"results: {config.Out}" + (historyId is { } id ? $" · history run {id} in {config.History}" : ""));
        return new RunOutcome(result.Failed ? ExitCode.Regression : ExitCode.Ok, result, written, historyId);
    }

    private void WriteAnnotations(AnnotationMode mode, RunResult result)
    {
        if (mode == AnnotationMode.Auto) mode = Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" ? AnnotationMode.GitHub : AnnotationMode.None;
        IExporter? exporter = mode switch
        {
            AnnotationMode.MsBuild => new MsBuildExporter(),
            AnnotationMode.GitHub => new GitHubAnnotationsExporter(),
            _ => null,
        };
        if (exporter is not null) stdout.Write(ExporterSet.Render(exporter, result));
    }

    /// <summary>Model, dictionaries, suites: every record, subject by subject (SubjectEvaluation: ground-truth once, the
    /// full replacement model when transcoders cover every layer, cross-layer transcoders last).</summary>
    private IReadOnlyList<MetricRecord> Measure(RunRequest request, CancellationToken cancellation)
    {
        HarnessConfig config = request.Config;
        IProgressTask loading = progress.Start("loading the subject model and corpus", 1);
        using SubjectEnvironment env = SubjectEnvironment.Load(config.Model, config.Corpus, request.Device);
        loading.Complete();
        var provider = new DictionaryProvider(config, env, request.Device, VersionAction.ToolVersion, progress) { WorldSize = request.Job?.WorldSize ?? 1 };
        using SubjectSet subjects = provider.Provide(cancellation);
        var options = config.Eval.ToSuiteOptions(config.Seed);
        var evaluation = new SubjectEvaluation(env.Model, env.Tokenizer, env.Corpus, options, subjects.Dictionaries, subjects.Clts, progress);
        IReadOnlyList<MetricRecord> records = evaluation.RunAll([.. config.Suites.Select(SuiteRegistry.Get)], cancellation);
        return request.Extension is { } extension ? [.. records, .. extension.Measure(config, request.Device, progress, cancellation)] : records;
    }

    /// <summary>What Run checks before any work (the baseline, the exporters), for rank 0 of a job to check before the
    /// other ranks start training with it.</summary>
    public static void Preflight(RunRequest request)
    {
        ReadBaseline(request.Config.BaselinePath, mustExist: !request.UpdateBaselines);
        ExporterSet.Select(request.Config.Exporters);
    }

    /// <summary>Every rank of the request's job: trains, data parallel, every dictionary the run will need that rank 0's
    /// cache lacks (each calibration seed's) and the extension's (the sweep's points), then ends the job. Rank 0 calls it
    /// from Run before measuring; the other ranks call it alone and are done.</summary>
    public void TrainDataParallel(RunRequest request, CancellationToken cancellation = default)
    {
        DistributedTraining job = request.Job ?? throw new InvalidOperationException("TrainDataParallel needs the request's job");
        progress.Scope(() =>
        {
            IProgressTask loading = progress.Start("loading the subject model and corpus", 1);
            using SubjectEnvironment env = SubjectEnvironment.Load(request.Config.Model, request.Config.Corpus, request.Device);
            loading.Complete();
            for (int i = 0; i < request.SeedCount; i++)
            {
                var provider = new DictionaryProvider(request.Seeded(i).Config, env, request.Device, VersionAction.ToolVersion, progress) { Job = job };
                provider.TrainMissing(cancellation);
            }
            return 0;
        });
        request.Extension?.Train(request.Config, request.Device, progress, job, cancellation);
        job.Finish();
    }

    private static Baseline? ReadBaseline(string path, bool mustExist) =>
        mustExist || File.Exists(path) ? BaselineFile.Read(path) : null;
}
