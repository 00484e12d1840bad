// TrainHandler — `interp-eval train`: builds the dictionary from the kind table, takes its tokens and activation
// batches from TrainingRecipe (the same recipe `run` trains with), feeds them to DictionaryTrainer, and shows progress (a Spectre bar on a terminal,
// a line every 5 % otherwise) and one summary line per dictionary. Ctrl+C writes a checkpoint first.
using System.Globalization;
using InterpEval.Harness.Tool;
using InterpEval.Harness.Distributed;
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Interp.Training;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Train;

/// <summary>Every option of `train` as typed values (TrainCommand's fields, same names), the model directory resolved,
/// plus Device and the command line (a distributed job's ranks log it); DistBackend and Shard say how several ranks train.</summary>
public sealed record TrainOptions(string Model, string? Hook, string? HookOut, string Kind, string Arch, int Width,
    int? K, double? L1, double? ThresholdInit, double? Bandwidth, string? SparsityLoss, double? TanhC, double? PreAct,
    long Tokens, long? StreamTokens, int? Context, int? BufferTokens, int Batch, double LearningRate, int WarmupSteps,
    LearningRateDecay Decay, int SparsityWarmupSteps, double GradClip, long? DeadTokens, ulong Seed,
    int CheckpointEvery, string? Out, bool Resume, Device Device, string CommandLine, string? DistBackend = null, string Shard = "data");

public sealed class TrainHandler(TextWriter stdout, TextWriter stderr)
{
    public ExitCode Run(TrainOptions o)
    {
        var device = o.Device;
        var backend = DistributedTraining.Backend(o.DistBackend, device);
        using var job = DistributedTraining.Start(Environment.GetEnvironmentVariable, o.CommandLine, backend);   // null alone
        string modelDir = o.Model;
        using var model = TransformerModel.Load(modelDir, device);
        RefuseAbsurdSizes(o, model.Config);
        bool shardLatents = ShardLatents(o);
        using var solo = shardLatents && job is null ? OneRankGroup.Start(backend) : null;       // one process: a job of one rank
        var shardGroup = shardLatents ? job?.Group ?? solo!.Group : null;
        using var dictionary = Usage(() => Build(Spec(o, model, modelDir), shardGroup));
        foreach (var h in dictionary.Hooks)
            if (!model.HookPoints.Contains(h)) throw new UsageException($"--hook: '{h}' is not a hook point of {modelDir} — see `interp-eval model info`");
        var options = Usage(() => Options(o).Validate());
        string outDir = o.Out ?? DefaultOut(o);
        bool resume = o.Resume;
        string checkpoints = shardLatents ? LatentShardResume.RankDirectory(outDir, shardGroup!.Rank) : outDir;   // each slice its own
        if (!resume && TrainingCheckpoint.Latest(checkpoints) is { } existing)
            throw new UsageException($"--out {outDir} already holds checkpoints ({Path.GetFileName(existing)}) — pass --resume to continue, or choose another --out");

        ulong seed = o.Seed;
        var dataParallel = shardLatents ? null : job;                                           // latent sharding: every rank the whole batch
        DistributedTraining.RankBatch(dataParallel, options.BatchTokens, "--batch", out _);     // checked before the harvest
        var tokenizer = TokenizerLoader.Load(modelDir);
        var separator = Usage(() => Separator(model, tokenizer, modelDir));
        var stream = Stream(o, options, model);
        long[] tokens = TrainingRecipe.Tokens(Corpus.Load(EmbeddedAssets.CorpusPath).Train, tokenizer, separator, stream.StreamTokens);
        ActivationPasses passes = DistributedTraining.Passes(dataParallel, model, tokens, dictionary.Hooks, stream, options.BatchTokens, separator, seed, "--batch");   // each rank its share
        var trainer = Usage(() => new DictionaryTrainer([dictionary], options, outDir)
        {
            Sync = shardLatents ? null : job?.Sync, CheckpointDirectory = checkpoints,
            ResumeFrom = dictionary is LatentShardedTrainable slice ? () => LatentShardResume.Read(outDir, slice) : null,   // any world size
        });

        var output = job is { Rank: > 0 } ? TextWriter.Null : stdout;   // rank 0 speaks for the job
        using CtrlC ctrlC = CtrlC.Listen();
        try
        {
            var last = new LastProgress();
            var summaries = Terminal.IsTerminal(output)
                ? TrainWithBar(trainer, passes, resume, ctrlC.Token, output, options.TotalSteps, last)
                : trainer.Train(passes, new LineProgress(output, options.TotalSteps, last), resume, ctrlC.Token);
            foreach (var s in summaries) output.WriteLine(SummaryLine(s, last.Value));
            if (shardGroup is not null)
                output.WriteLine($"latent sharded: {shardGroup.WorldSize} rank{(shardGroup.WorldSize == 1 ? "" : "s")} ({shardGroup.Backend.ToString().ToLowerInvariant()}), {dictionary.LatentCount.ToString(CultureInfo.InvariantCulture)} of {o.Width.ToString(CultureInfo.InvariantCulture)} latents per rank, every rank on the whole batch");
            else if (job is not null) output.WriteLine(job.CommunicationLine(summaries[0].Elapsed));
            return ExitCode.Ok;
        }
        catch (TrainingDivergedException e)
        {
            stderr.WriteLine(ErrorReport.Prefix + e.Message);   // already says what to try
            return ExitCode.InternalError;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(
                $"{ErrorReport.Prefix}interrupted; checkpoint at step {DictionaryTrainer.LatestCheckpointStep(checkpoints)} in {checkpoints} — continue with the same options and --resume");
            return ExitCode.Interrupted;
        }
    }

    /// <summary>The dictionary to train: the kind table's, or with a group this rank's slice of its latents.</summary>
    private static ITrainableDictionary Build(TrainableSpec spec, InterpEval.Torch.Distributed.ProcessGroup? shardOver)
    {
        var full = TrainableKinds.Create(spec);
        if (shardOver is null) return full;
        using (full) return LatentShardedTrainable.FromFull(full, shardOver);
    }

    /// <summary>--shard: data (data parallel) or latents (each rank a slice of the latents, LatentShardedTrainable, its
    /// checkpoints under OUT/shards/rank-R; one process is a job of one rank, so its checkpoints resume on N and N's on it).</summary>
    private static bool ShardLatents(TrainOptions o)
    {
        if (o.Shard is not ("data" or "latents")) throw new UsageException($"--shard '{o.Shard}' — expected data or latents");
        return o.Shard == "latents";
    }

    /// <summary>A process group of this process alone (a file store in the temporary folder), for `--shard latents`
    /// started without a launcher.</summary>
    private sealed class OneRankGroup : IDisposable
    {
        private readonly string _path;
        private readonly InterpEval.Torch.Distributed.Store _store;

        private OneRankGroup(string path, InterpEval.Torch.Distributed.Store store, InterpEval.Torch.Distributed.ProcessGroup group) =>
            (_path, _store, Group) = (path, store, group);

        public InterpEval.Torch.Distributed.ProcessGroup Group { get; }

        public static OneRankGroup Start(InterpEval.Torch.Distributed.DistributedBackend backend)
        {
            if (backend == InterpEval.Torch.Distributed.DistributedBackend.Gloo && !InterpEval.Torch.Distributed.ProcessGroup.HasGloo)
                throw new UsageException("--shard latents: this build of the shim has no Gloo (apt-get install libgloo-dev and rebuild; see docs/distributed.md) — without --shard latents one process trains the same dictionary");
            string path = Path.Combine(Path.GetTempPath(), "interp-eval-store-" + Guid.NewGuid().ToString("N"));
            var timeout = TimeSpan.FromSeconds(60);
            var store = InterpEval.Torch.Distributed.Store.File(path, 1, timeout);
            try
            {
                return new OneRankGroup(path, store, InterpEval.Torch.Distributed.ProcessGroup.Create(store, 0, 1, backend, timeout, hostname: "127.0.0.1"));
            }
            catch
            {
                store.Dispose();
                File.Delete(path);
                throw;
            }
        }

        public void Dispose()
        {
            Group.Dispose();
            _store.Dispose();
            File.Delete(path: _path);
        }
    }

    /// <summary>Refuses, before anything is allocated, a width or batch whose training would not fit in memory.</summary>
    private static void RefuseAbsurdSizes(TrainOptions p, ModelConfig model)
    {
        string kind = p.Kind;
        int width = p.Width, batch = p.Batch;
        bool clt = kind == "clt";
        int layers = clt ? model.NLayers : 1;
        double bytes = Config.ResourceBudget.TrainingBytes(model.DModel, kind == "sae" ? 0 : model.DModel, width, batch,
            Math.Max(4L * batch, 65536), layers, clt);
        if (Config.ResourceBudget.Refusal(bytes, $"--width {width} with --batch {batch}") is { } why) throw new UsageException(why);
    }

    private static DocumentSeparator Separator(TransformerModel model, ITokenizer tokenizer, string modelDir)
    {
        try { return DocumentSeparator.For(model.Config, tokenizer); }
        catch (InvalidDataException e) { throw new UsageException($"--model {modelDir}: {e.Message}"); }
    }

    /// <summary>The stream: --stream-tokens (default the budget plus a fifth, for the dropped separator and first
    /// positions), --context (default the model's), --buffer-tokens (default 65,536, less for small budgets, never
    /// under 4 batches).</summary>
    private static TrainingStream Stream(TrainOptions p, DictionaryTrainerOptions o, TransformerModel model)
    {
        long budget = o.TotalSteps * (long)o.BatchTokens;
        return new TrainingStream(p.StreamTokens ?? budget + budget / 5, p.Context ?? TrainingContext(model.Config),
            p.BufferTokens ?? (int)Math.Max(4L * o.BatchTokens, Math.Min(65536, budget)));
    }

    private static TrainableSpec Spec(TrainOptions p, TransformerModel model, string modelDir) => new(
        p.Kind, p.Arch, p.Width, p.K,
        p.L1, p.Hook, p.HookOut, model.Config,
        ModelName: Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar)),
        ContextSize: Math.Min(p.Context ?? TrainingContext(model.Config), model.Config.NCtx),
        DatasetPath: EmbeddedAssets.CorpusPath, Seed: p.Seed, Device: model.Device,
        JumpRelu: new JumpReluOptions(p.ThresholdInit, p.Bandwidth, p.SparsityLoss,
            p.TanhC, p.PreAct));

    private static DictionaryTrainerOptions Options(TrainOptions p)
    {
        var o = new DictionaryTrainerOptions
        {
            Tokens = p.Tokens, BatchTokens = p.Batch, LearningRate = p.LearningRate,
            WarmupSteps = p.WarmupSteps, Decay = p.Decay,
            MaxGradNorm = p.GradClip is > 0 and var clip ? clip : null,
            CheckpointEvery = p.CheckpointEvery is > 0 and var every ? every : null,
            DeadAfterTokens = p.DeadTokens, Seed = p.Seed,
        };
        int sparsityWarmup = p.SparsityWarmupSteps;
        return o with { SparsityWarmupSteps = sparsityWarmup >= 0 ? sparsityWarmup : TrainingRecipe.DefaultSparsityWarmupSteps(o.TotalSteps) };
    }

    private static string DefaultOut(TrainOptions p) => Path.Combine("dictionaries",
        $"{p.Kind}-{p.Arch}-w{p.Width.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Training windows: the model's context, at most 1024 tokens (Gemma Scope's; Llama 3's 131,072 would not fit).</summary>
    private static int TrainingContext(ModelConfig config) => Math.Min(config.NCtx, 1024);

    private static T Usage<T>(Func<T> f)
    {
        try { return f(); }
        catch (ArgumentException e) when (e is not UsageException) { throw new UsageException(e is SpecFieldException fault ? TrainFlags.Reword(fault) : e.Message, e); }
    }

    private static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    private static IReadOnlyList<TrainingSummary> TrainWithBar(DictionaryTrainer trainer, ActivationPasses passes, bool resume,
        CancellationToken cancel, TextWriter output, int steps, LastProgress last)
    {
        IReadOnlyList<TrainingSummary> result = [];
        Terminal.For(output).Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: steps);
                result = trainer.Train(passes, new BarProgress(task, last), resume, cancel);
            });
        return result;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Line(TrainingProgress p) =>
        $"step {p.Step}/{p.TotalSteps}  loss {F(p.Loss, "G4")}  L0 {F(p.L0, "F1")}  FVU {F(p.Fvu, "F4")}  dead {F(100 * p.DeadFraction, "F1")} %  {F(p.TokensPerSecond, "N0")} tok/s";

    private static string SummaryLine(TrainingSummary s, TrainingProgress? last) =>
        $"{s.Id}: {s.Steps} steps, {s.Tokens.ToString("N0", CultureInfo.InvariantCulture)} tokens in {F(s.Elapsed.TotalSeconds, "F1")} s" +
        (last is null ? "" : $" ({F(last.TokensPerSecond, "N0")} tok/s)") +
        $"; loss {F(s.Loss, "G4")}, L0 {F(s.L0, "F1")}, FVU {F(s.Fvu, "F4")}, dead {F(100 * s.DeadFraction, "F1")} %; saved to {s.SavedTo}";

    private sealed class LastProgress
    {
        public TrainingProgress? Value { get; set; }
    }

    /// <summary>A line every 5 % of the steps (CI logs, files, tests).</summary>
    private sealed class LineProgress(TextWriter output, int steps, LastProgress last) : IProgress<TrainingProgress>
    {
        private readonly int _every = Math.Max(1, steps / 20);

        public void Report(TrainingProgress p)
        {
            last.Value = p;
            if (p.Step % _every == 0 || p.Step == p.TotalSteps) output.WriteLine($"{p.Id}  {Line(p)}");
        }
    }

    private sealed class BarProgress(ProgressTask task, LastProgress last) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            last.Value = p;
            task.Value = p.Step;
            task.Description = Markup.Escape(Line(p));
        }
    }
}
