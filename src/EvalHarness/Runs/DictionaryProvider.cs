// DictionaryProvider — turns the config's dictionary specs into loaded subjects (single dictionaries and cross-layer
// transcoders; per-layer entries expanded to one dictionary per layer first): a spec with a path is loaded; the
// others come from the cache, and those missing from it are trained (dictionaries with the same training settings
// together, from one activation stream of the corpus TRAIN split, by TrainingRecipe — the recipe `train` uses) and
// cached. Every subject is evaluated as loaded
// from disk, so a run that trained and a run that hit the cache measure the same weights.
// As one rank of a data-parallel job (Job) it only trains (TrainMissing): rank 0 decides which entries its cache lacks
// and every rank takes that list, harvests its share of the stream (DistributedTraining.Passes, as `train`) and
// all-reduces the gradients; rank 0 alone writes the cache. Entries are keyed by the world size that trained them.
using InterpEval.Harness.Config;
using InterpEval.Harness.Distributed;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;
using InterpEval.Suites;
using InterpEval.Torch;

namespace InterpEval.Harness.Runs;

public sealed class DictionaryProvider(HarnessConfig config, SubjectEnvironment env, Device device, string toolVersion, IRunProgress progress)
{
    private readonly DictionaryCache _cache = new(config.CacheDir);
    private readonly IReadOnlyList<DictionarySpec> _specs = DictionaryExpansion.Expand(config.Dictionaries, env.Model.Config.NLayers);

    /// <summary>The job this rank trains in (null: alone); TrainMissing trains data parallel through it.</summary>
    public DistributedTraining? Job { get; init; }

    /// <summary>Ranks that train (and trained) the cached dictionaries: part of the cache key. Job's when set.</summary>
    public int WorldSize { get; init; } = 1;

    private int World => Job?.WorldSize ?? WorldSize;

    /// <summary>Every configured subject, in config order within each list; the caller disposes them.</summary>
    public SubjectSet Provide(CancellationToken cancellation)
    {
        var (entries, toTrain) = Plan();
        foreach (DictionarySpec spec in _specs.Where(s => s.Path is null && !toTrain.Any(t => t.Spec.Id == s.Id)))
            progress.Note($"{spec.Id}: cached ({entries[spec.Id]})");
        if (toTrain.Count > 0) TrainMissing(toTrain, cancellation);
        return SubjectSet.Load(_specs.Select(spec => (spec.Id, entries[spec.Id])), device);
    }

    /// <summary>Trains (and on the writer caches) every dictionary the cache lacks, loading nothing. In a job, rank 0's
    /// cache decides which, and every rank trains that list together.</summary>
    public void TrainMissing(CancellationToken cancellation)
    {
        var (_, missing) = Plan();
        if (Job is { } job)
        {
            string agreed = job.Agree("training", () => string.Join('\n', missing.Select(m => m.Spec.Id)));
            var ids = agreed.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            missing = Plan(all: true).Missing.Where(m => ids.Contains(m.Spec.Id)).ToList();
        }
        if (missing.Count > 0) TrainMissing(missing, cancellation);
    }

    /// <summary>Each spec's entry (its path, or its cache entry) and the specs to train (all of them with all).</summary>
    private (Dictionary<string, string> Entries, List<(DictionarySpec Spec, TrainingSettings Training, string Entry)> Missing) Plan(bool all = false)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var toTrain = new List<(DictionarySpec Spec, TrainingSettings Training, string Entry)>();
        foreach (DictionarySpec spec in _specs)
        {
            if (spec.Path is { } path) { entries[spec.Id] = path; continue; }
            TrainingSettings training = ConfigLoader.TrainingFor(config, spec);
            string entry = _cache.EntryFor(spec.Id, DictionaryCache.Key(toolVersion, env, spec, training, config.Seed, World));
            entries[spec.Id] = entry;
            if (all || !DictionaryCache.IsComplete(entry)) toTrain.Add((spec, training, entry));
        }
        return (entries, toTrain);
    }

    private void TrainMissing(List<(DictionarySpec Spec, TrainingSettings Training, string Entry)> missing, CancellationToken cancellation)
    {
        if (Job is not { IsWriter: false }) Directory.CreateDirectory(_cache.Root);
        var separator = DocumentSeparator.For(env.Model.Config, env.Tokenizer);
        long[] tokens = TrainingRecipe.Tokens(env.Corpus.Train, env.Tokenizer, separator, missing.Max(m => m.Training.StreamTokens));
        foreach (var group in missing.GroupBy(m => m.Training))
        {
            cancellation.ThrowIfCancellationRequested();
            TrainGroup(group.Key, group.Select(m => (m.Spec, m.Entry)).ToList(), tokens, separator, cancellation);
        }
    }

    private void TrainGroup(TrainingSettings training, List<(DictionarySpec Spec, string Entry)> specs, long[] tokens, DocumentSeparator separator,
        CancellationToken cancellation)
    {
        var trainables = new List<ITrainableDictionary>();
        bool writer = Job is not { IsWriter: false };
        string? temp = writer ? _cache.NewTemp() : null;                                   // the other ranks write nothing
        try
        {
            foreach ((DictionarySpec spec, _) in specs) trainables.Add(CreateTrainable(spec, training));
            string? outDir = temp is null ? null : specs.Count == 1 ? Path.Combine(temp, specs[0].Spec.Id) : temp;
            var options = new DictionaryTrainerOptions
            {
                Steps = training.Steps, BatchTokens = training.BatchTokens, LearningRate = training.LearningRate,
                WarmupSteps = training.WarmupSteps, SparsityWarmupSteps = training.SparsityWarmupSteps ?? TrainingRecipe.DefaultSparsityWarmupSteps(training.Steps),
                DeadAfterTokens = training.DeadTokens,
                Seed = config.Seed,
            };
            DataParallelSync? sync = Job?.NewSync();
            var trainer = new DictionaryTrainer(trainables, options, outDir) { Sync = sync };
            IProgressTask task = progress.Start($"training {string.Join(", ", specs.Select(s => s.Spec.Id))} ({training.Steps} steps × {training.BatchTokens} tokens)", training.Steps);
            var reporter = new StepReporter(task, trainables[0].Id);
            var stream = new TrainingStream(training.StreamTokens, training.ContextLength, training.BufferTokens);
            long[] own = tokens.Length > training.StreamTokens ? tokens[..training.StreamTokens] : tokens;   // a prefix: the order is the seed's
            var passes = DistributedTraining.Passes(Job, env.Model, own, trainer.Hooks, stream, training.BatchTokens, separator, config.Seed, "training.batch_tokens");
            var summaries = trainer.Train(passes, reporter, cancel: cancellation);
            task.Complete();
            if (Job is { } job) progress.Note($"{string.Join(", ", specs.Select(s => s.Spec.Id))}: {job.CommunicationLine(summaries[0].Elapsed, sync)}");
            if (temp is not null)
                foreach ((DictionarySpec spec, string entry) in specs) DictionaryCache.Commit(Path.Combine(temp, spec.Id), entry);
        }
        finally
        {
            foreach (ITrainableDictionary t in trainables) t.Dispose();
            if (temp is not null && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private ITrainableDictionary CreateTrainable(DictionarySpec spec, TrainingSettings training)
    {
        var trainableSpec = new TrainableSpec(spec.Kind, spec.Architecture, spec.Width, spec.K, spec.SparsityCoefficient, spec.Hook, spec.HookOut,
            env.Model.Config, ModelName: Path.GetFileName(Path.TrimEndingDirectorySeparator(env.ModelDirectory)),
            ContextSize: Math.Min(training.ContextLength, env.Model.Config.NCtx),
            DatasetPath: env.CorpusPath, Seed: config.Seed, Device: device,
            JumpRelu: new JumpReluOptions(spec.ThresholdInit, spec.Bandwidth, spec.SparsityLoss, spec.TanhC, spec.PreActCoefficient));
        ITrainableDictionary created;
        try
        {
            created = TrainableKinds.Create(trainableSpec);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"config: dictionaries[{spec.Id}]: {e.Message}");
        }
        if (created is SparseDictionaryTrainable sparse) return new SparseDictionaryTrainable(spec.Id, sparse.Dictionary, sparse.InputHook, sparse.OutputHook);
        if (created is CrossLayerTranscoderTrainable clt) return new CrossLayerTranscoderTrainable(spec.Id, clt.Clt);
        created.Dispose();
        throw new InvalidDataException($"config: dictionaries[{spec.Id}]: kind '{spec.Kind}' cannot be evaluated by the suites in this build");
    }

    /// <summary>Advances the phase once per step (the trainer reports every dictionary each step; one is followed).</summary>
    private sealed class StepReporter(IProgressTask task, string followed) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Id == followed) task.Increment();
        }
    }
}
