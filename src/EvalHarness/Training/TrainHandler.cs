// TrainHandler — `interp-eval train`: builds the dictionary from the kind table, tokenises the embedded corpus's train
// split with the model's tokenizer (documents in a seeded order, only as many as the budget needs), streams
// activations through the activation store into DictionaryTrainer, and shows progress (a Spectre bar on a terminal,
// a line every 5 % otherwise) and one summary line per dictionary. Ctrl+C writes a checkpoint first.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Cli;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;
using InterpEval.Interp.Training;
using Spectre.Console;

namespace InterpEval.Harness.Training;

public sealed class TrainHandler
{
    public ExitCode Run(ParseResult parseResult)
    {
        using var job = DistributedTraining.Start(Environment.GetEnvironmentVariable, string.Join(" ", parseResult.Tokens.Select(t => t.Value)));   // null alone
        string modelDir = ModelCommand.ModelDirectory(parseResult);
        var device = parseResult.GetValue(GlobalOptions.Device);
        using var model = TransformerModel.Load(modelDir, device);
        using var dictionary = Usage(() => TrainableKinds.Create(Spec(parseResult, model, modelDir)));
        foreach (var h in dictionary.Hooks)
            if (!model.HookPoints.Contains(h)) throw new UsageException($"--hook: '{h}' is not a hook point of {modelDir} — see `interp-eval model info`");
        var options = Usage(() => Options(parseResult).Validate());
        string outDir = parseResult.GetValue(TrainCommand.Out) ?? DefaultOut(parseResult);
        bool resume = parseResult.GetValue(TrainCommand.Resume);
        if (!resume && TrainingCheckpoint.Latest(outDir) is { } existing)
            throw new UsageException($"--out {outDir} already holds checkpoints ({Path.GetFileName(existing)}) — pass --resume to continue, or choose another --out");

        ulong seed = parseResult.GetValue(TrainCommand.Seed);
        int world = job?.WorldSize ?? 1;
        if (options.BatchTokens % world != 0) throw new UsageException($"--batch {options.BatchTokens} does not split evenly over WORLD_SIZE {world} ranks — use a multiple of {world}");
        long[] tokens = TokenStream(modelDir, seed, options.TotalSteps * (long)options.BatchTokens, out int eot);
        tokens = job?.Shard(tokens) ?? tokens;                                                   // each rank harvests its share
        var storeOptions = new ActivationStoreOptions(dictionary.Hooks, ContextLength: model.Config.NCtx, BatchTokens: options.BatchTokens / world,
            BufferTokens: BufferTokens(options) / world, ExcludeToken: eot, Seed: seed);
        ActivationPasses passes = pass => new ActivationStore(model, tokens, storeOptions with { Seed = seed + (ulong)pass }).Batches();
        var trainer = Usage(() => new DictionaryTrainer([dictionary], options, outDir) { Sync = job?.Sync });

        var output = job is { Rank: > 0 } ? TextWriter.Null : parseResult.InvocationConfiguration.Output;   // rank 0 speaks for the job
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var last = new LastProgress();
            var summaries = IsTerminal(output)
                ? TrainWithBar(trainer, passes, resume, cancel.Token, output, options.TotalSteps, last)
                : trainer.Train(passes, new LineProgress(output, options.TotalSteps, last), resume, cancel.Token);
            foreach (var s in summaries) output.WriteLine(SummaryLine(s, last.Value));
            if (job is not null) output.WriteLine(job.CommunicationLine(summaries[0].Elapsed));
            return ExitCode.Ok;
        }
        catch (TrainingDivergedException e)
        {
            parseResult.InvocationConfiguration.Error.WriteLine(ErrorReport.Prefix + e.Message);   // already says what to try
            return ExitCode.InternalError;
        }
        catch (OperationCanceledException)
        {
            parseResult.InvocationConfiguration.Error.WriteLine(
                $"{ErrorReport.Prefix}interrupted; checkpoint at step {DictionaryTrainer.LatestCheckpointStep(outDir)} in {outDir} — continue with the same options and --resume");
            return ExitCode.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static TrainableSpec Spec(ParseResult p, TransformerModel model, string modelDir) => new(
        p.GetValue(TrainCommand.Kind)!, p.GetValue(TrainCommand.Arch)!, p.GetValue(TrainCommand.Width), p.GetValue(TrainCommand.K),
        p.GetValue(TrainCommand.L1), p.GetValue(TrainCommand.Hook), p.GetValue(TrainCommand.HookOut), model.Config,
        ModelName: Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar)), ContextSize: model.Config.NCtx,
        DatasetPath: "interp-eval embedded corpus (train split)", Seed: p.GetValue(TrainCommand.Seed), Device: model.Device);

    private static DictionaryTrainerOptions Options(ParseResult p)
    {
        var o = new DictionaryTrainerOptions
        {
            Tokens = p.GetValue(TrainCommand.Tokens), BatchTokens = p.GetValue(TrainCommand.Batch), LearningRate = p.GetValue(TrainCommand.LearningRate),
            WarmupSteps = p.GetValue(TrainCommand.WarmupSteps), Decay = p.GetValue(TrainCommand.Decay),
            MaxGradNorm = p.GetValue(TrainCommand.GradClip) is > 0 and var clip ? clip : null,
            CheckpointEvery = p.GetValue(TrainCommand.CheckpointEvery) is > 0 and var every ? every : null,
            Seed = p.GetValue(TrainCommand.Seed),
        };
        int sparsityWarmup = p.GetValue(TrainCommand.SparsityWarmupSteps);
        return o with { SparsityWarmupSteps = sparsityWarmup >= 0 ? sparsityWarmup : o.TotalSteps / 20 };   // Anthropic: 5 %
    }

    /// <summary>The mixing buffer: 65,536 tokens (SAELens-sized), less for budgets smaller than that, never under 4 batches.</summary>
    private static int BufferTokens(DictionaryTrainerOptions o) =>
        (int)Math.Max(4L * o.BatchTokens, Math.Min(65536, o.TotalSteps * (long)o.BatchTokens));

    private static string DefaultOut(ParseResult p) => Path.Combine("dictionaries",
        $"{p.GetValue(TrainCommand.Kind)}-{p.GetValue(TrainCommand.Arch)}-w{p.GetValue(TrainCommand.Width).ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The train split in a seeded document order, tokenised with the model's tokenizer until `budget` tokens
    /// (plus a margin for dropped separators and partial windows) or the split runs out.</summary>
    private static long[] TokenStream(string modelDir, ulong seed, long budget, out int eot)
    {
        var tokenizer = TokenizerLoader.Load(modelDir);
        eot = tokenizer.EndOfTextId ?? throw new UsageException($"--model {modelDir}: its tokenizer has no <|endoftext|> token to separate documents");
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var rng = new Random(unchecked((int)seed) ^ 0x5eed);
        var documents = corpus.Train.OrderBy(_ => rng.Next()).ToList();
        long wanted = budget + budget / 5 + 65536;
        var chosen = new List<CorpusDocument>();
        long estimate = 0;
        foreach (var d in documents)
        {
            if (estimate >= wanted) break;
            chosen.Add(d);
            estimate += d.Text.Length / 8 + 1;   // few tokens per character (BPE averages 3–4), so rarely short; checked below
        }
        var stream = EmbeddedModelBuilder.Stream(chosen, tokenizer, eot);
        return stream.LongLength >= wanted || chosen.Count == documents.Count ? stream : EmbeddedModelBuilder.Stream(documents, tokenizer, eot);
    }

    private static T Usage<T>(Func<T> f)
    {
        try { return f(); }
        catch (ArgumentException e) when (e is not UsageException) { throw new UsageException(e.Message, e); }
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
