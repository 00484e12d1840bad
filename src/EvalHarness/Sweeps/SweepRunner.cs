// SweepRunner — `interp-eval sweep`'s work: the grid (architecture × k or λ × width × token budget × seed) of SAEs on the
// middle residual stream, trained from ONE activation stream: the training recipe's (TrainingRecipe: the documents,
// windows, dropped positions and shuffling `train` and `run` use), harvested once per invocation and held in memory
// (RecordedPasses); every budget trains on its prefix, all dictionaries of one budget together through
// DictionaryTrainer. Each point is evaluated with the suites, its training FLOPs counted (TrainingFlops), and everything
// kept under OUT/points/<id>/ (dict/ once trained, metrics.json once evaluated) so an interrupted sweep continues where
// it stopped. Fits, plots and the summary files are made from the finished points (SweepOutputs). It prints nothing
// but progress. As one rank of a data-parallel job, rank 0 decides which points lack a dictionary, every rank harvests
// its share of the stream (DistributedTraining.Passes, as `train`) and trains them together, then the job ends and
// rank 0 alone evaluates and writes.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Evaluation;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.IO;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Training;
using InterpEval.Suites;
using InterpEval.Suites.Scaling;
using InterpEval.Torch;

namespace InterpEval.Harness.Sweeps;

/// <param name="Id">Folder and subject name, e.g. topk-k16-w256-t100000-s0.</param>
/// <param name="K">Active latents (topk family), else null.</param>
/// <param name="SparsityCoefficient">λ (relu, jumprelu); null = the architecture's default.</param>
/// <param name="Seed">Seed index within the sweep (the dictionary's seed is the config seed plus it).</param>
public sealed record SweepPoint(string Id, string Architecture, int Width, int? K, double? SparsityCoefficient, long Tokens, int Seed);

/// <param name="Config">Model, corpus, eval settings, training settings (batch, learning rate…), seed.</param>
/// <param name="Widths">Latent counts.</param>
/// <param name="Tokens">Training token budgets.</param>
/// <param name="Architectures">relu, topk, batchtopk, jumprelu.</param>
/// <param name="Ks">k values for the topk family.</param>
/// <param name="L1s">λ values for relu/jumprelu (empty: the default).</param>
/// <param name="Seeds">Seeds per grid cell.</param>
/// <param name="Out">Output directory (also the resume state).</param>
/// <param name="Suites">Suites run on every point (reconstruction and sparsity are required).</param>
/// <param name="Bootstrap">Bootstrap resamples of every fit.</param>
public sealed record SweepRequest(HarnessConfig Config, IReadOnlyList<int> Widths, IReadOnlyList<long> Tokens, IReadOnlyList<string> Architectures,
    IReadOnlyList<int> Ks, IReadOnlyList<double> L1s, int Seeds, string Out, IReadOnlyList<string> Suites, int Bootstrap = 1000)
{
    /// <summary>The request for a config's "sweep" object (already validated with the config).</summary>
    public static SweepRequest From(HarnessConfig config, SweepSettings s, string outDir) =>
        new(config, s.Widths.Distinct().Order().ToList(), s.Tokens.Distinct().Order().ToList(), s.Architectures.Distinct().ToList(),
            s.K.Distinct().ToList(), s.L1.Distinct().ToList(), s.Seeds, outDir, s.Suites, s.Bootstrap);

    /// <summary>Ranks that train the points data parallel (each its own share of the stream, so other weights than one
    /// process's): part of the settings key when above 1.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>What a point's files depend on besides its id (which holds the grid coordinates), the stream included
    /// (its size follows the grid's largest budget) and the world size that trained it: points made under other settings
    /// are not resumed.</summary>
    public string SettingsKey()
    {
        var settings = new
        {
            Config.Model, Config.Corpus, Config.Seed, Config.Training, Config.Eval, Suites, StreamTokens = SweepRunner.StreamTokens(Tokens.Max()),
            tool = typeof(SweepRequest).Assembly.GetName().Version?.ToString(),
        };
        return WorldSize > 1 ? JsonSerializer.Serialize(new { settings, world_size = WorldSize }) : JsonSerializer.Serialize(settings);
    }

    /// <summary>Every point of the grid, in a stable order.</summary>
    public IReadOnlyList<SweepPoint> Points()
    {
        var points = new List<SweepPoint>();
        foreach (string arch in Architectures)
        {
            bool sparse = TrainingFlops.IsSparse(arch);
            var variants = sparse ? Ks.Select(k => ((int?)k, (double?)null, $"k{k}")).ToList()
                : L1s.Count == 0 ? [(null, null, "l1default")] : L1s.Select(l => ((int?)null, (double?)l, "l1" + l.ToString("G4", CultureInfo.InvariantCulture))).ToList();
            foreach ((int? k, double? l1, string tag) in variants)
                foreach (long t in Tokens)
                    foreach (int w in Widths)
                        for (int s = 0; s < Seeds; s++)
                            points.Add(new SweepPoint($"{arch}-{tag}-w{w}-t{t}-s{s}", arch, w, k, l1, t, s));
        }
        return points;
    }
}

/// <param name="Point">The grid point.</param>
/// <param name="Flops">Its training compute.</param>
/// <param name="Metrics">name → value over the suites (names as in the records: fvu, fve, l0, dead_frac, ce_loss_recovered…).</param>
/// <param name="Histogram">log10 feature-density histogram on the evaluation tokens.</param>
public sealed record SweepPointResult(SweepPoint Point, double Flops, IReadOnlyDictionary<string, double> Metrics, DensityHistogram Histogram);

/// <param name="Harvest">Seconds harvesting activations (this invocation), tokenising included.</param>
/// <param name="Training">Seconds training.</param>
/// <param name="Evaluation">Seconds in the suites.</param>
/// <param name="Tokenise">Of Harvest, the seconds spent tokenising the corpus (the rest is the model forward and shuffling).</param>
/// <param name="HarvestedRows">Activation rows recorded.</param>
public sealed record SweepTiming(double Harvest, double Training, double Evaluation, double Tokenise = 0, long HarvestedRows = 0);

public sealed class SweepRunner(IRunProgress progress)
{
    /// <summary>Called after each point's metrics are written (tests interrupt a sweep here).</summary>
    internal Action<SweepPoint>? AfterPoint { get; init; }

    public const string PointsFolder = "points";

    /// <param name="job">The data-parallel job this process is rank 0 of (null alone): the points are trained with the
    /// other ranks (which call TrainPoints), then the job ends before the evaluation.</param>
    public (IReadOnlyList<SweepPointResult> Points, SweepTiming Timing) Run(SweepRequest request, Torch.Device device, CancellationToken cancellation = default,
        DistributedTraining? job = null)
    {
        HarnessConfig config = request.Config;
        IReadOnlyList<SweepPoint> points = request.Points();
        ForgetOtherSettings(request);
        using SubjectEnvironment env = SubjectEnvironment.Load(config.Model, config.Corpus, device);
        int dIn = env.Model.Config.DModel;
        var (harvest, training, tokenise, harvested) = TrainMissing(request, env, points, device, job, cancellation);
        job?.Finish();
        double evaluation;
        var results = new List<SweepPointResult>();
        var evalClock = new Stopwatch();
        foreach (SweepPoint p in points)
        {
            cancellation.ThrowIfCancellationRequested();
            string metricsFile = Path.Combine(PointDir(request, p), "metrics.json");
            if (!File.Exists(metricsFile))
            {
                evalClock.Start();
                Evaluate(request, env, p, device, metricsFile, cancellation);
                evalClock.Stop();
                AfterPoint?.Invoke(p);
            }
            results.Add(ReadPoint(p, metricsFile, dIn, config.Training.BatchTokens));
        }
        evaluation = evalClock.Elapsed.TotalSeconds;
        return (results, new SweepTiming(harvest, training, evaluation, tokenise, harvested));
    }

    /// <summary>Every rank of a data-parallel job: trains the points whose dictionaries rank 0 lacks, together (only rank
    /// 0 writes them). Leaves the job running; rank 0's Run then finds them trained and only evaluates.</summary>
    public void TrainPoints(SweepRequest request, Torch.Device device, DistributedTraining job, CancellationToken cancellation = default)
    {
        if (job.IsWriter) ForgetOtherSettings(request);
        using SubjectEnvironment env = SubjectEnvironment.Load(request.Config.Model, request.Config.Corpus, device);
        TrainMissing(request, env, request.Points(), device, job, cancellation);
    }

    /// <summary>Harvests once and trains every point without a dictionary (in a job: rank 0's list, data parallel);
    /// seconds harvesting, training and tokenising, and the rows recorded.</summary>
    private (double Harvest, double Training, double Tokenise, long Rows) TrainMissing(SweepRequest request, SubjectEnvironment env,
        IReadOnlyList<SweepPoint> points, Torch.Device device, DistributedTraining? job, CancellationToken cancellation)
    {
        var toTrain = points.Where(p => !File.Exists(Path.Combine(DictDir(request, p), "cfg.json"))).ToList();
        if (job is not null)
        {
            var ids = job.Agree("training", () => string.Join('\n', toTrain.Select(p => p.Id))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToHashSet(StringComparer.Ordinal);
            toTrain = [.. points.Where(p => ids.Contains(p.Id))];
        }
        if (toTrain.Count == 0) return (0, 0, 0, 0);
        string hook = HookNames.ResidPost(env.Model.Config.NLayers / 2);
        var clock = Stopwatch.StartNew();
        using RecordedPasses stream = Harvest(env, request.Config, hook, request.Tokens.Max(), toTrain.Max(p => p.Tokens), job, out double tokenise, cancellation);
        double harvest = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var budget in toTrain.GroupBy(p => p.Tokens).OrderBy(g => g.Key))
        {
            cancellation.ThrowIfCancellationRequested();
            TrainBudget(request, env, hook, budget.Key, budget.ToList(), stream, device, job, cancellation);
        }
        return (harvest, clock.Elapsed.TotalSeconds, tokenise, stream.Rows);
    }

    /// <summary>Deletes OUT/points when it was made under other settings (another seed, training or eval config), then
    /// records the present ones.</summary>
    private void ForgetOtherSettings(SweepRequest request)
    {
        string folder = Path.Combine(request.Out, PointsFolder), file = Path.Combine(folder, "settings.json");
        string key = request.SettingsKey();
        if (Directory.Exists(folder) && (!File.Exists(file) || File.ReadAllText(file) != key))
        {
            progress.Note($"{folder}: made under other settings — starting over");
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(file, key);
    }

    public static string PointDir(SweepRequest r, SweepPoint p) => Path.Combine(r.Out, PointsFolder, p.Id);
    public static string DictDir(SweepRequest r, SweepPoint p) => Path.Combine(PointDir(r, p), "dict");

    /// <summary>Distinct corpus tokens behind a stream for a budget of `tokens` (as `train` takes by default): a fifth
    /// more than the budget, so one pass covers it after the separators and window starts are dropped.</summary>
    public static long StreamTokens(long tokens) => tokens + tokens / 5;

    /// <summary>The recipe's stream for the grid's largest budget (TrainingRecipe: documents in the recipe's order,
    /// windows, separators and window starts dropped, shuffled with the config seed), recorded once: as many full
    /// batches as the largest budget still to train takes steps (a resumed sweep records the same stream).</summary>
    private RecordedPasses Harvest(SubjectEnvironment env, HarnessConfig config, string hook, long gridTokens, long tokens, DistributedTraining? job,
        out double tokenise, CancellationToken cancellation)
    {
        int batch = config.Training.BatchTokens;
        int steps = new DictionaryTrainerOptions { Tokens = tokens, BatchTokens = batch }.TotalSteps;
        DistributedTraining.RankBatch(job, batch, "training.batch_tokens", out int rankBatch);
        var clock = Stopwatch.StartNew();
        var separator = DocumentSeparator.For(env.Model.Config, env.Tokenizer);
        long[] ids = TrainingRecipe.Tokens(env.Corpus.Train, env.Tokenizer, separator, StreamTokens(gridTokens));
        tokenise = clock.Elapsed.TotalSeconds;
        var stream = new TrainingStream(ids.LongLength, config.Training.ContextLength, config.Training.BufferTokens);
        ActivationPasses passes = DistributedTraining.Passes(job, env.Model, ids, [hook], stream, batch, separator, config.Seed, "training.batch_tokens");   // a job: this rank's share
        var task = progress.Start($"harvesting {(long)steps * rankBatch} activations of {hook} ({ids.Length} corpus tokens)", steps);
        RecordedPasses recorded = RecordedPasses.Record(passes, steps, rankBatch, () => task.Increment(), cancellation);
        task.Complete();
        return recorded;
    }

    /// <summary>All points of one budget trained together on the stream's first `tokens` rows (replayed if shorter); in a
    /// job data parallel, only rank 0 writing.</summary>
    private void TrainBudget(SweepRequest request, SubjectEnvironment env, string hook, long tokens, List<SweepPoint> points, RecordedPasses stream,
        Torch.Device device, DistributedTraining? job, CancellationToken cancellation)
    {
        HarnessConfig config = request.Config;
        int batch = config.Training.BatchTokens;
        var trainables = new List<ITrainableDictionary>();
        bool writer = job is not { IsWriter: false };
        string temp = Path.Combine(request.Out, PointsFolder, ".training-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            foreach (SweepPoint p in points)
            {
                var spec = new TrainableSpec("sae", p.Architecture, p.Width, p.K, p.SparsityCoefficient, hook, null, env.Model.Config,
                    ModelName: Path.GetFileName(Path.TrimEndingDirectorySeparator(env.ModelDirectory)),
                    ContextSize: Math.Min(config.Training.ContextLength, env.Model.Config.NCtx),
                    DatasetPath: env.CorpusPath, Seed: config.Seed + (ulong)p.Seed, Device: device);
                var created = (SparseDictionaryTrainable)TrainableKinds.Create(spec);
                trainables.Add(new SparseDictionaryTrainable(p.Id, created.Dictionary, created.InputHook, created.OutputHook));
            }
            var options = new DictionaryTrainerOptions
            {
                Tokens = tokens, BatchTokens = batch, LearningRate = config.Training.LearningRate, WarmupSteps = config.Training.WarmupSteps,
                SparsityWarmupSteps = config.Training.SparsityWarmupSteps ?? TrainingRecipe.DefaultSparsityWarmupSteps((int)(tokens / batch)),
                DeadAfterTokens = config.Training.DeadTokens, Seed = config.Seed,
            };
            if (writer) Directory.CreateDirectory(temp);
            string? outDir = !writer ? null : points.Count == 1 ? Path.Combine(temp, points[0].Id) : temp;   // the other ranks write nothing
            DataParallelSync? sync = job?.NewSync();
            var trainer = new DictionaryTrainer(trainables, options, outDir) { Sync = sync };
            var task = progress.Start($"training {points.Count} dictionaries on {tokens} tokens ({options.TotalSteps} steps × {batch})", options.TotalSteps);
            var summaries = trainer.Train(stream.Passes, new Follow(task, points[0].Id), cancel: cancellation);
            task.Complete();
            if (job is not null) progress.Note($"{tokens} tokens: {job.CommunicationLine(summaries[0].Elapsed, sync)}");
            if (!writer) return;
            foreach (SweepPoint p in points)
            {
                string target = DictDir(request, p);
                Directory.CreateDirectory(PointDir(request, p));
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                Directory.Move(Path.Combine(temp, DictionaryTrainer.FolderName(p.Id)), target);
            }
        }
        finally
        {
            foreach (ITrainableDictionary t in trainables) t.Dispose();
            if (writer && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private void Evaluate(SweepRequest request, SubjectEnvironment env, SweepPoint p, Torch.Device device, string metricsFile, CancellationToken cancellation)
    {
        HarnessConfig config = request.Config;
        using SparseDictionary dict = DictionaryFormat.Load(DictDir(request, p), device);
        var options = new SuiteOptions(config.Eval.Tokens, config.Eval.ContextLength, config.Eval.SequencesPerBatch, config.Seed);
        DensityHistogram? histogram = null;
        var evaluation = new SubjectEvaluation(env.Model, env.Tokenizer, env.Corpus, options, [(p.Id, dict)], [], progress,
            onSparsity: (_, result) => histogram = result.Histogram);
        var records = evaluation.RunAll([.. request.Suites.Select(SuiteRegistry.Get)], cancellation);
        var metrics = new JsonObject();
        foreach (MetricRecord r in records)
            if (!metrics.ContainsKey(r.Name) && double.IsFinite(r.Value)) metrics[r.Name] = r.Value;
        var json = new JsonObject
        {
            ["id"] = p.Id, ["metrics"] = metrics,
            ["log_density_histogram"] = histogram is null ? null : new JsonObject
            {
                ["edges"] = new JsonArray([.. histogram.Edges.Select(e => (JsonNode)e)]), ["counts"] = new JsonArray([.. histogram.Counts.Select(c => (JsonNode)c)]),
            },
        };
        AtomicFile.WriteAllText(metricsFile, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static SweepPointResult ReadPoint(SweepPoint p, string metricsFile, int dIn, int batch)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(metricsFile))!.AsObject();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{metricsFile}: not valid JSON ({e.Message}) — delete it to re-evaluate the point", e);
        }
        var metrics = json["metrics"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
        var h = json["log_density_histogram"];
        var histogram = h is null ? new DensityHistogram([], [])
            : new DensityHistogram([.. h["edges"]!.AsArray().Select(v => v!.GetValue<double>())], [.. h["counts"]!.AsArray().Select(v => v!.GetValue<long>())]);
        long trained = (p.Tokens + batch - 1) / batch * batch;   // whole steps, as the trainer runs them
        return new SweepPointResult(p, TrainingFlops.Total(p.Architecture, dIn, p.Width, p.K, trained), metrics, histogram);
    }

    /// <summary>Feature splitting at the largest budget, seed 0: each variant's consecutive widths, every latent of the
    /// wider matched to its best decoder cosine in the narrower (NeighboursSuite.Parents).</summary>
    public static IReadOnlyList<SplittingPair> Splitting(SweepRequest request, IReadOnlyList<SweepPointResult> results, Torch.Device device,
        CancellationToken cancellation = default)
    {
        long maxTokens = results.Max(r => r.Point.Tokens);
        var pairs = new List<SplittingPair>();
        foreach (var variant in results.Where(r => r.Point.Tokens == maxTokens && r.Point.Seed == 0).GroupBy(r => SweepOutputs.Variant(r.Point)))
        {
            var byWidth = variant.OrderBy(r => r.Point.Width).ToList();
            for (int i = 0; i + 1 < byWidth.Count; i++)
            {
                SweepPoint small = byWidth[i].Point, large = byWidth[i + 1].Point;
                using SparseDictionary s = DictionaryFormat.Load(DictDir(request, small), device);
                using SparseDictionary l = DictionaryFormat.Load(DictDir(request, large), device);
                var match = NeighboursSuite.Parents(s, l, cancellation);
                pairs.Add(new SplittingPair(small.Id, large.Id, variant.Key, small.Width, large.Width,
                    match.Cosine.Count(c => c < SweepOutputs.NovelCosine) / (double)match.Cosine.Length, match.Cosine.Average()));
            }
        }
        return pairs;
    }

    private sealed class Follow(IProgressTask task, string id) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Id == id) task.Increment();
        }
    }
}
