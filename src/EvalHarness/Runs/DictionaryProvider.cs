// DictionaryProvider — turns the config's dictionary specs into loaded subjects (single dictionaries and cross-layer
// transcoders; per-layer entries expanded to one dictionary per layer first): a spec with a path is loaded; the
// others come from the cache, and those missing from it are trained (dictionaries with the same training settings
// together, from one activation stream of the corpus TRAIN split, by TrainingRecipe — the recipe `train` uses) and
// cached. Every subject is evaluated as loaded
// from disk, so a run that trained and a run that hit the cache measure the same weights.
using InterpEval.Harness.Config;
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

    /// <summary>Every configured subject, in config order within each list; the caller disposes them.</summary>
    public SubjectSet Provide(CancellationToken cancellation)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var toTrain = new List<(DictionarySpec Spec, TrainingSettings Training, string Entry)>();
        foreach (DictionarySpec spec in _specs)
        {
            if (spec.Path is { } path) { entries[spec.Id] = path; continue; }
            TrainingSettings training = ConfigLoader.TrainingFor(config, spec);
            string entry = _cache.EntryFor(spec.Id, DictionaryCache.Key(toolVersion, env, spec, training, config.Seed));
            entries[spec.Id] = entry;
            if (DictionaryCache.IsComplete(entry)) progress.Note($"{spec.Id}: cached ({entry})");
            else toTrain.Add((spec, training, entry));
        }
        if (toTrain.Count > 0) TrainMissing(toTrain, cancellation);
        return SubjectSet.Load(_specs.Select(spec => (spec.Id, entries[spec.Id])), device);
    }

    private void TrainMissing(List<(DictionarySpec Spec, TrainingSettings Training, string Entry)> missing, CancellationToken cancellation)
    {
        Directory.CreateDirectory(_cache.Root);
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
        string temp = _cache.NewTemp();
        try
        {
            foreach ((DictionarySpec spec, _) in specs) trainables.Add(CreateTrainable(spec, training));
            string outDir = specs.Count == 1 ? Path.Combine(temp, specs[0].Spec.Id) : temp;
            var options = new DictionaryTrainerOptions
            {
                Steps = training.Steps, BatchTokens = training.BatchTokens, LearningRate = training.LearningRate,
                WarmupSteps = training.WarmupSteps, SparsityWarmupSteps = training.SparsityWarmupSteps ?? TrainingRecipe.DefaultSparsityWarmupSteps(training.Steps),
                DeadAfterTokens = training.DeadTokens,
                Seed = config.Seed,
            };
            var trainer = new DictionaryTrainer(trainables, options, outDir);
            IProgressTask task = progress.Start($"training {string.Join(", ", specs.Select(s => s.Spec.Id))} ({training.Steps} steps × {training.BatchTokens} tokens)", training.Steps);
            var reporter = new StepReporter(task, trainables[0].Id);
            var stream = new TrainingStream(training.StreamTokens, training.ContextLength, training.BufferTokens);
            long[] own = tokens.Length > training.StreamTokens ? tokens[..training.StreamTokens] : tokens;   // a prefix: the order is the seed's
            trainer.Train(TrainingRecipe.Passes(env.Model, own, trainer.Hooks, stream, training.BatchTokens, separator, config.Seed), reporter, cancel: cancellation);
            task.Complete();
            foreach ((DictionarySpec spec, string entry) in specs) DictionaryCache.Commit(Path.Combine(temp, spec.Id), entry);
        }
        finally
        {
            foreach (ITrainableDictionary t in trainables) t.Dispose();
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
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
