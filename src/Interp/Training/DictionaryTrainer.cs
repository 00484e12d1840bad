// DictionaryTrainer — trains one or several dictionaries from one activation stream (each batch harvested once and
// shown to every dictionary, each with its own Adam): learning-rate and sparsity schedules, gradient clipping,
// dead-latent tracking fed to AuxK, NaN/Inf detection naming the step, progress records, checkpoints every N steps
// and a resume that continues bit-for-bit, and the final save with log10 feature density. Harvesting is the
// activation store's; the objective and constraints are each dictionary's.
using System.Diagnostics;
using InterpEval.Interp.Activations;
using InterpEval.Torch.Optim;

namespace InterpEval.Interp.Training;

/// <summary>The batches of one pass over the data; pass 0 first, later passes when the budget outlasts it. Must give
/// the same batches for the same pass every time (resume replays a pass up to its position).</summary>
public delegate IEnumerable<ActivationBatch> ActivationPasses(int pass);

public sealed class DictionaryTrainer
{
    private readonly IReadOnlyList<ITrainableDictionary> _dictionaries;
    private readonly DictionaryTrainerOptions _options;
    private readonly string? _outDir;

    /// <param name="outDir">Where checkpoints (outDir/checkpoints) and the final dictionaries go: outDir itself for one
    /// dictionary, outDir/&lt;id&gt; for several; null writes nothing.</param>
    public DictionaryTrainer(IReadOnlyList<ITrainableDictionary> dictionaries, DictionaryTrainerOptions options, string? outDir = null)
    {
        if (dictionaries.Count == 0) throw new ArgumentException("give at least one dictionary to train", nameof(dictionaries));
        var duplicate = dictionaries.GroupBy(d => d.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two dictionaries are named '{duplicate.Key}' — ids must differ", nameof(dictionaries));
        if (options.CheckpointEvery is not null && outDir is null) throw new ArgumentException("checkpoints need an output directory", nameof(outDir));
        _dictionaries = dictionaries;
        _options = options.Validate();
        _outDir = outDir;
    }

    /// <summary>Data-parallel training (null = alone): see ITrainingSync. Each rank's passes give its shard, in batches of
    /// BatchTokens / WorldSize rows; only the writer rank writes checkpoints and dictionaries.</summary>
    public ITrainingSync? Sync { get; init; }

    /// <summary>Where checkpoints go (its checkpoints/ folder) and resume reads them; null = the output directory. A
    /// latent-sharded run gives each rank its own, since each holds a different slice.</summary>
    public string? CheckpointDirectory { get; init; }

    private string? CheckpointRoot => CheckpointDirectory ?? _outDir;

    /// <summary>Where resume takes its checkpoint from (its folder, for messages, and the checkpoint, whose tensors the
    /// trainer disposes); null = the latest under CheckpointRoot. A latent-sharded run at another world size assembles
    /// its slice from the old ranks' (LatentShardResume).</summary>
    public Func<(string Dir, TrainingCheckpoint Checkpoint)>? ResumeFrom { get; init; }

    /// <summary>Every hook the dictionaries read or predict (what the activation store must harvest).</summary>
    public IReadOnlyList<string> Hooks => _dictionaries.SelectMany(d => d.Hooks).Distinct().ToList();

    /// <summary>Steps of the latest checkpoint under outDir, or null.</summary>
    public static int? LatestCheckpointStep(string outDir) =>
        TrainingCheckpoint.Latest(outDir) is { } dir ? TrainingCheckpoint.Read(dir).Step : null;

    /// <summary>Trains to the budget (from the latest checkpoint when resume), saves, and returns one summary per dictionary.
    /// Cancellation writes a checkpoint (when an output directory is set) and throws OperationCanceledException.</summary>
    public IReadOnlyList<TrainingSummary> Train(ActivationPasses passes, IProgress<TrainingProgress>? progress = null, bool resume = false,
        CancellationToken cancel = default)
    {
        if (Sync is not null && _options.BatchTokens % Sync.WorldSize != 0)
            throw new ArgumentException($"batch of {_options.BatchTokens} tokens does not split evenly over {Sync.WorldSize} ranks — use a multiple of {Sync.WorldSize}");
        var run = new Run(_dictionaries, _options, Sync);
        try
        {
            if (resume) RestoreLatest(run);
            var last = run.TrainTo(passes, progress, cancel, step => WriteCheckpoint(run, step));
            return Finish(run, last);
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>Restores the latest checkpoint, or refuses it (one line naming its folder) before anything is written:
    /// a checkpoint that does not fit this run never resumes, so it never overwrites a saved dictionary.</summary>
    private void RestoreLatest(Run run)
    {
        var (dir, checkpoint) = ResumeFrom?.Invoke() ?? ReadLatest();
        try
        {
            run.Restore(checkpoint);
        }
        catch (TorchException e)
        {
            throw new InvalidDataException($"{dir}: checkpoint does not fit this run ({e.Message.Split('\n')[0]})", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(dir, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{dir}: {e.Message}", e);
        }
    }

    private (string Dir, TrainingCheckpoint Checkpoint) ReadLatest()
    {
        if (CheckpointRoot is not { } root) throw new ArgumentException("resume needs the output directory that holds the checkpoints");
        string dir = TrainingCheckpoint.Latest(root)
            ?? throw new FileNotFoundException($"{Path.Combine(root, TrainingCheckpoint.Folder)}: no checkpoint to resume from — start a fresh training first");
        return (dir, TrainingCheckpoint.Read(dir));
    }

    private void WriteCheckpoint(Run run, int step)
    {
        if (CheckpointRoot is not { } root || Sync is { IsWriter: false }) return;
        bool due = _options.CheckpointEvery is int every && (step % every == 0 || step == _options.TotalSteps);
        if (!due && !run.Cancelled) return;
        var checkpoint = run.Checkpoint();
        try
        {
            checkpoint.Write(root);
        }
        finally
        {
            foreach (var d in checkpoint.Dictionaries)
                foreach (var (name, t) in d.Tensors)
                    if (name.StartsWith(Run.StatePrefix, StringComparison.Ordinal)) t.Dispose();   // the rest are live state
        }
    }

    private IReadOnlyList<TrainingSummary> Finish(Run run, IReadOnlyList<TrainingProgress?> last)
    {
        var summaries = new List<TrainingSummary>();
        for (int i = 0; i < _dictionaries.Count; i++)
        {
            var d = _dictionaries[i];
            string? dir = _outDir is null ? null : _dictionaries.Count == 1 ? _outDir : Path.Combine(_outDir, FolderName(d.Id));
            if (dir is not null && Sync is not { IsWriter: false })
            {
                using (DisposeScope.Enter()) d.SetLogFeatureDensity(run.Activity[i].LogDensity());
                d.Save(dir);
            }
            var p = last[i];
            summaries.Add(new TrainingSummary(d.Id, run.Step, run.Tokens, p?.Loss ?? double.NaN, p?.L0 ?? double.NaN, p?.Fvu ?? double.NaN,
                run.Activity[i].DeadFraction(), run.Clock.Elapsed, dir));
        }
        return summaries;
    }

    /// <summary>A dictionary's id as a folder name: characters a file name cannot hold become '_'.</summary>
    public static string FolderName(string id) =>
        string.Concat(id.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));

    /// <summary>The mutable state of one Train call: optimisers, latent activity, step and data position.</summary>
    private sealed class Run : IDisposable
    {
        private readonly IReadOnlyList<ITrainableDictionary> _dicts;
        private readonly DictionaryTrainerOptions _o;
        private readonly Adam[] _adams;
        private readonly ITrainingSync? _sync;
        private long _tokensThisRun;

        /// <summary>Checkpoint keys of the dictionaries' own state (new tensors; the other keys alias live state).</summary>
        public const string StatePrefix = TrainingCheckpoint.StatePrefix;

        public Run(IReadOnlyList<ITrainableDictionary> dicts, DictionaryTrainerOptions o, ITrainingSync? sync)
        {
            _dicts = dicts;
            _o = o;
            _sync = sync;
            foreach (var p in dicts.SelectMany(d => d.Parameters)) p.RequiresGrad = true;
            _adams = dicts.Select(d => new Adam(d.Parameters, new AdamOptions(o.LearningRate, o.Beta1, o.Beta2, o.Eps))).ToArray();
            Activity = dicts.Select(d => new LatentActivity(d.LatentCount, o.DeadAfter, d.Parameters[0].Device)).ToArray();
        }

        public LatentActivity[] Activity { get; }
        public int Step { get; private set; }
        public long Tokens { get; private set; }
        public DataPosition Position { get; private set; } = new(0, 0);
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public bool Cancelled { get; private set; }

        private int DensityWindowStart => _o.TotalSteps - Math.Max(1, (_o.TotalSteps + 3) / 4);

        /// <summary>True until the dictionaries have seen their sample (a fresh run prepares on its first full batch,
        /// which is then also its first training batch; a resumed run restores instead).</summary>
        private bool _needsPrepare = true;

        private void Prepare(ActivationBatch sample)
        {
            using (DisposeScope.Enter())
            using (var combined = _sync?.CombineSample(sample))
                foreach (var d in _dicts) d.Prepare(combined ?? sample);
            foreach (var d in _dicts) d.AfterOptimizerStep();   // constraints hold from the start (unit-norm rows)
            _needsPrepare = false;
        }

        /// <summary>Trains until the budget; returns each dictionary's last progress record (null if no step ran).</summary>
        public IReadOnlyList<TrainingProgress?> TrainTo(ActivationPasses passes, IProgress<TrainingProgress>? progress,
            CancellationToken cancel, Action<int> afterStep)
        {
            var last = new TrainingProgress?[_dicts.Count];
            while (Step < _o.TotalSteps)
            {
                bool trainedThisPass = false, fromStart = Position.BatchesInPass == 0;
                long index = 0;
                foreach (var batch in passes(Position.Pass))
                    using (batch)
                    {
                        if (index++ < Position.BatchesInPass) continue;
                        Position = Position with { BatchesInPass = index };
                        if (batch.Rows < _o.BatchTokens / (_sync?.WorldSize ?? 1)) continue;
                        if (_needsPrepare) Prepare(batch);
                        TrainBatch(batch, last, progress);
                        trainedThisPass = true;
                        Cancelled = cancel.IsCancellationRequested;
                        afterStep(Step);
                        cancel.ThrowIfCancellationRequested();
                        if (Step == _o.TotalSteps) break;
                    }
                if (Step == _o.TotalSteps) break;
                if (!trainedThisPass && fromStart)
                    throw new ArgumentException($"pass {Position.Pass} of the activation stream gave no full batch of {_o.BatchTokens} tokens — use more tokens or a smaller batch");
                Position = new DataPosition(Position.Pass + 1, 0);
            }
            return last;
        }

        private void TrainBatch(ActivationBatch batch, TrainingProgress?[] last, IProgress<TrainingProgress>? progress)
        {
            int step = Step;
            double lr = TrainingSchedules.LearningRate(_o, step);
            double sparsity = TrainingSchedules.SparsityScale(_o, step);
            bool countDensity = step >= DensityWindowStart;
            for (int i = 0; i < _dicts.Count; i++)
                last[i] = TrainOne(i, batch, step, lr, sparsity, countDensity);
            Step++;
            Tokens += batch.Rows * (_sync?.WorldSize ?? 1);
            _tokensThisRun += batch.Rows * (_sync?.WorldSize ?? 1);
            foreach (var p in last) progress?.Report(p! with { Tokens = Tokens, TokensPerSecond = _tokensThisRun / Math.Max(1e-9, Clock.Elapsed.TotalSeconds) });
        }

        private TrainingProgress TrainOne(int i, ActivationBatch batch, int step, double lr, double sparsity, bool countDensity)
        {
            var d = _dicts[i];
            var adam = _adams[i];
            using var scope = DisposeScope.Enter();
            adam.LearningRate = lr;
            d.BeginStep(step, _o.TotalSteps);
            var o = d.Step(batch, Activity[i].DeadMask(), sparsity);
            double loss = o.Loss.ToDouble();
            CheckFinite(d, step, "loss", loss, lr, batch);
            o.Loss.Backward();
            _sync?.SynchronizeGradients(d.Parameters);
            d.BeforeOptimizerStep();
            double gradNorm = d.ClipGradients(_o.MaxGradNorm ?? double.PositiveInfinity);
            CheckFinite(d, step, "gradient norm", gradNorm, lr, batch);
            adam.Step();
            adam.ZeroGrad();
            d.AfterOptimizerStep();
            var (fired, counts, tokens) = _sync?.SynchronizeActivity(o.Fired, o.ActiveCounts, batch.Rows) ?? (o.Fired, o.ActiveCounts, batch.Rows);
            Activity[i].Update(fired, counts, tokens, countDensity);
            return new TrainingProgress(d.Id, step + 1, _o.TotalSteps, 0, loss, o.L0, o.Fvu, Activity[i].DeadFraction(), lr, gradNorm, 0, o.Parts);
        }

        /// <summary>A non-finite loss or gradient stops training, naming the step, the dictionary and the first tensor at fault:
        /// the input activations of a hook (the data, not the optimiser) or a parameter that already holds NaN/Inf.</summary>
        private static void CheckFinite(ITrainableDictionary d, int step, string what, double value, double lr, ActivationBatch batch)
        {
            if (double.IsFinite(value)) return;
            string prefix = $"step {step + 1}: {d.Id}: {what} is {value}";
            foreach (var (hook, x) in batch.Activations)
                if (!AllFinite(x))
                    throw new TrainingDivergedException($"{prefix} — the input activations at {hook} contain NaN or Inf (the subject model or its weights, not the dictionary)");
            foreach (var (name, t) in d.CheckpointState())
                if (!AllFinite(t))
                    throw new TrainingDivergedException($"{prefix} — tensor {name} holds NaN or Inf; training diverged: try a lower learning rate " +
                        $"(learning_rate, now {lr.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}) or a sparsity warm-up");
            throw new TrainingDivergedException(
                $"{prefix} — training diverged; try a lower learning rate (learning_rate, now {lr.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}), " +
                "a sparsity warm-up, or check the activations for NaN");
        }

        /// <summary>True when every element is finite (a float64 sum of |t| is NaN or ∞ exactly when one is not).</summary>
        private static bool AllFinite(Tensor t)
        {
            using var scope = DisposeScope.Enter();
            using var noGrad = Autograd.NoGrad();
            return double.IsFinite(t.Detach().To(ScalarType.Float64).Abs().Sum().ToDouble());
        }

        public TrainingCheckpoint Checkpoint()
        {
            var dicts = new List<DictionaryCheckpoint>();
            for (int i = 0; i < _dicts.Count; i++)
            {
                var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (name, t) in _dicts[i].CheckpointState()) tensors[StatePrefix + name] = t;
                for (int p = 0; p < _adams[i].ExpAvg.Count; p++)
                {
                    tensors[TrainingCheckpoint.AdamExpAvgKey(p)] = _adams[i].ExpAvg[p];
                    tensors[TrainingCheckpoint.AdamExpAvgSqKey(p)] = _adams[i].ExpAvgSq[p];
                }
                tensors[TrainingCheckpoint.SinceFiredKey] = Activity[i].SinceFired;
                tensors[TrainingCheckpoint.ActiveTokensKey] = Activity[i].ActiveTokens;
                dicts.Add(new DictionaryCheckpoint(_dicts[i].Id, _adams[i].StepCount, Activity[i].DensityTokens, tensors));
            }
            return new TrainingCheckpoint(Step, _o.TotalSteps, Tokens, Position, dicts);
        }

        public void Restore(TrainingCheckpoint c)
        {
            try
            {
                if (c.TotalSteps != _o.TotalSteps)
                    throw new InvalidDataException($"checkpoint of step {c.Step} was for {c.TotalSteps} steps, this run has {_o.TotalSteps} — resume with the same budget and batch");
                if (c.Dictionaries.Count != _dicts.Count || c.Dictionaries.Zip(_dicts).Any(p => p.First.Id != p.Second.Id))
                    throw new InvalidDataException($"checkpoint of step {c.Step} holds {string.Join(", ", c.Dictionaries.Select(d => d.Id))}, this run trains {string.Join(", ", _dicts.Select(d => d.Id))}");
                for (int i = 0; i < _dicts.Count; i++) RestoreOne(i, c.Dictionaries[i]);
                Step = c.Step;
                Tokens = c.Tokens;
                Position = c.Position;
                _needsPrepare = false;
            }
            finally
            {
                foreach (var t in c.Dictionaries.SelectMany(d => d.Tensors.Values)) t.Dispose();
            }
        }

        private void RestoreOne(int i, DictionaryCheckpoint c)
        {
            Tensor Get(string name, Tensor like)
            {
                if (!c.Tensors.TryGetValue(name, out var t)) throw new InvalidDataException($"checkpoint: {c.Id} has no '{name}'");
                if (!t.Shape.SequenceEqual(like.Shape))
                    throw new InvalidDataException($"checkpoint: {c.Id}'s '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", like.Shape)}]");
                return t;
            }
            _dicts[i].RestoreCheckpointState(c.Tensors.Where(kv => kv.Key.StartsWith(StatePrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[StatePrefix.Length..], kv => kv.Value, StringComparer.Ordinal));
            using (Autograd.NoGrad())
                for (int p = 0; p < _adams[i].ExpAvg.Count; p++)
                {
                    _adams[i].ExpAvg[p].Copy_(Get(TrainingCheckpoint.AdamExpAvgKey(p), _adams[i].ExpAvg[p]));
                    _adams[i].ExpAvgSq[p].Copy_(Get(TrainingCheckpoint.AdamExpAvgSqKey(p), _adams[i].ExpAvgSq[p]));
                }
            _adams[i].StepCount = c.AdamStep;
            Activity[i].Restore(c.Tensors.TryGetValue(TrainingCheckpoint.SinceFiredKey, out var since) ? since : throw new InvalidDataException($"checkpoint: {c.Id} has no '{TrainingCheckpoint.SinceFiredKey}'"),
                c.Tensors.TryGetValue(TrainingCheckpoint.ActiveTokensKey, out var active) ? active : throw new InvalidDataException($"checkpoint: {c.Id} has no '{TrainingCheckpoint.ActiveTokensKey}'"),
                c.DensityTokens);
        }

        public void Dispose()
        {
            foreach (var a in _adams) a.Dispose();
            foreach (var a in Activity) a.Dispose();
            foreach (var p in _dicts.SelectMany(d => d.Parameters)) p.RequiresGrad = false;
        }
    }
}
