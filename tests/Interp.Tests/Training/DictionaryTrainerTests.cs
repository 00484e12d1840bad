// The trainer on synthetic activations: dead-latent tracking against a hand-worked firing script, NaN detection
// naming the step, resume from a checkpoint equal bit-for-bit to a straight run (every architecture), several
// dictionaries from one stream equal to each trained alone, and live tensor handles flat over steps.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class DictionaryTrainerTests
{
    private const int Dim = 8;
    private const int Rows = 64;

    private readonly List<string> _dirs = [];

    [TearDown]
    public void DeleteDirs()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        _dirs.Clear();
    }

    private string Dir()
    {
        string d = TrainingFixtures.TempDir();
        _dirs.Add(d);
        return d;
    }

    private static DictionaryTrainerOptions Options(int steps) => new()
    {
        Steps = steps, BatchTokens = Rows, LearningRate = 3e-3, WarmupSteps = 2, SparsityWarmupSteps = 3, DeadAfterTokens = 2 * Rows,
    };

    private static SparseDictionaryTrainable Make(string architecture, DictionaryKind kind = DictionaryKind.Sae, ulong seed = 3)
    {
        var config = new DictionaryConfig
        {
            Architecture = architecture, Kind = kind, DIn = Dim, DSae = 24, K = architecture is "topk" or "batchtopk" or "matryoshka-batchtopk" ? 3 : null,
            HookName = TrainingFixtures.Hook, HookNameOut = kind.IsTranscoder() ? TrainingFixtures.HookOut : null,
        };
        return new SparseDictionaryTrainable($"{kind.Name()}-{architecture}", DictionaryRegistry.Create(config, seed, device: Device.Cpu), TrainingFixtures.Hook,
            kind.IsTranscoder() ? TrainingFixtures.HookOut : null);
    }

    // Batches of 10 tokens, dead after 25. Latent 0 fires every step, 1 only at step 0, 2 never, 3 at step 3.
    // Tokens since fired after each step: [0,0,10,10], [0,10,20,20], [0,20,30,30], [0,30,40,0], [0,40,50,10];
    // the mask a step sees is the state before it (≥ 25 is dead).
    [Test]
    public void DeadMaskMarksLatentsSilentForDeadAfterTokens()
    {
        using var d = new ScriptedDictionary(4, (s, i) => i == 0 || (i == 1 && s == 0) || (i == 3 && s == 3));
        var options = new DictionaryTrainerOptions { Steps = 5, BatchTokens = 10, DeadAfterTokens = 25 };
        var summary = new DictionaryTrainer([d], options).Train(TrainingFixtures.Synthetic(Dim, 10, 5));
        Assert.Multiple(() =>
        {
            Assert.That(d.DeadMasks[0], Is.EqualTo(new[] { false, false, false, false }));
            Assert.That(d.DeadMasks[2], Is.EqualTo(new[] { false, false, false, false }));
            Assert.That(d.DeadMasks[3], Is.EqualTo(new[] { false, false, true, true }));
            Assert.That(d.DeadMasks[4], Is.EqualTo(new[] { false, true, true, false }));
            Assert.That(summary[0].DeadFraction, Is.EqualTo(0.5), "latents 1 and 2 (40 and 50 tokens silent) at the end");
            Assert.That(summary[0].Tokens, Is.EqualTo(50));
        });
    }

    [Test]
    public void NaNLossThrowsNamingTheStepAndDictionary()
    {
        using var d = new ScriptedDictionary(4, (_, _) => true, lossFactor: s => s == 2 ? double.NaN : 1);
        var trainer = new DictionaryTrainer([d], new DictionaryTrainerOptions { Steps = 5, BatchTokens = 10 });
        Assert.That(() => trainer.Train(TrainingFixtures.Synthetic(Dim, 10, 5)),
            Throws.InstanceOf<TrainingDivergedException>().With.Message.StartsWith("step 3: scripted: loss is NaN").And.Message.Contains("lower learning rate"));
    }

    [Test]
    public void NaNInTheInputActivationsIsNamedByItsHook()
    {
        // The loss turns NaN at step 3 and that step's batch holds NaN: the message blames the data, naming the hook.
        using var d = new ScriptedDictionary(4, (_, _) => true, lossFactor: s => s == 2 ? double.NaN : 1);
        var trainer = new DictionaryTrainer([d], new DictionaryTrainerOptions { Steps = 5, BatchTokens = 10 });
        ActivationPasses clean = TrainingFixtures.Synthetic(Dim, 10, 5);
        ActivationPasses poisoned = pass => clean(pass).Select((batch, i) => i != 2 ? batch
            : new ActivationBatch(batch.Activations.ToDictionary(kv => kv.Key, kv => kv.Value.Mul(double.NaN).DetachFromScopes())));
        Assert.That(() => trainer.Train(poisoned),
            Throws.InstanceOf<TrainingDivergedException>().With.Message.StartsWith("step 3: scripted: loss is NaN")
                .And.Message.Contains($"input activations at {TrainingFixtures.Hook} contain NaN"));
    }

    [Test]
    public void AShortStreamIsReplayedInFurtherPasses()
    {
        using var d = new ScriptedDictionary(4, (_, _) => true);
        var progress = new List<TrainingProgress>();
        var summary = new DictionaryTrainer([d], new DictionaryTrainerOptions { Steps = 7, BatchTokens = 10 })
            .Train(TrainingFixtures.Synthetic(Dim, 10, 3), new Collect(progress));
        Assert.That(progress.Select(p => p.Step), Is.EqualTo(Enumerable.Range(1, 7)));
        Assert.That(summary[0].Tokens, Is.EqualTo(70));
    }

    [TestCase("topk", DictionaryKind.Sae)]
    [TestCase("batchtopk", DictionaryKind.Transcoder)]
    [TestCase("relu", DictionaryKind.Sae)]
    [TestCase("jumprelu", DictionaryKind.SkipTranscoder)]
    [TestCase("gated", DictionaryKind.Transcoder)]
    [TestCase("matryoshka-batchtopk", DictionaryKind.Sae)]
    public void ResumeFromAMidwayCheckpointEqualsAStraightRunBitForBit(string architecture, DictionaryKind kind)
    {
        // 8 steps over passes of 5 batches: the checkpoint at step 4 sits mid-pass, and the resumed half crosses a pass.
        var passes = TrainingFixtures.Synthetic(Dim, Rows, 5);
        string straightDir = Dir(), resumedDir = Dir();
        using var straight = Make(architecture, kind);
        new DictionaryTrainer([straight], Options(8) with { CheckpointEvery = 4 }, straightDir).Train(passes);

        string half = TrainingCheckpoint.PathFor(straightDir, 4);
        CopyDirectory(half, TrainingCheckpoint.PathFor(resumedDir, 4));
        using var resumed = Make(architecture, kind, seed: 77);          // other weights: the checkpoint must overwrite them all
        new DictionaryTrainer([resumed], Options(8) with { CheckpointEvery = 4 }, resumedDir).Train(passes, resume: true);

        var a = TrainingFixtures.Snapshot(straight);
        var b = TrainingFixtures.Snapshot(resumed);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < a.Count; i++) Assert.That(b[i], Is.EqualTo(a[i]), $"parameter {i} differs after resume");
            Assert.That(resumed.Dictionary.Scale, Is.EqualTo(straight.Dictionary.Scale));
            if (straight.Dictionary is BatchTopKDictionary s) Assert.That(((BatchTopKDictionary)resumed.Dictionary).Threshold, Is.EqualTo(s.Threshold));
            Assert.That(File.ReadAllBytes(Path.Combine(resumedDir, "sae_weights.safetensors")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(straightDir, "sae_weights.safetensors"))));
            Assert.That(File.ReadAllBytes(Path.Combine(resumedDir, "sparsity.safetensors")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(straightDir, "sparsity.safetensors"))));
        });
    }

    [Test]
    public void CancellationWritesACheckpointThatResumesToTheSameWeights()
    {
        var passes = TrainingFixtures.Synthetic(Dim, Rows, 5);
        using var straight = Make("topk");
        new DictionaryTrainer([straight], Options(6)).Train(passes);

        string dir = Dir();
        using var cancel = new CancellationTokenSource();
        using var interrupted = Make("topk");
        var trainer = new DictionaryTrainer([interrupted], Options(6), dir);
        Assert.That(() => trainer.Train(passes, new Recorder(p => { if (p.Step == 3) cancel.Cancel(); }), cancel: cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(DictionaryTrainer.LatestCheckpointStep(dir), Is.EqualTo(3), "no CheckpointEvery, yet the interrupted step is saved");
        trainer.Train(passes, resume: true);
        Assert.That(TrainingFixtures.Snapshot(interrupted), Is.EqualTo(TrainingFixtures.Snapshot(straight)));
    }

    [Test]
    public void ResumeWithoutACheckpointIsAnErrorNamingTheFolder()
    {
        using var d = Make("topk");
        string dir = Dir();
        Assert.That(() => new DictionaryTrainer([d], Options(4), dir).Train(TrainingFixtures.Synthetic(Dim, Rows, 5), resume: true),
            Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("checkpoints").And.Message.Contains("no checkpoint"));
    }

    [Test]
    public void CheckpointsAreCompleteFoldersOnly()
    {
        using var d = Make("topk");
        string dir = Dir();
        new DictionaryTrainer([d], Options(6) with { CheckpointEvery = 4 }, dir).Train(TrainingFixtures.Synthetic(Dim, Rows, 5));
        var folders = Directory.GetDirectories(Path.Combine(dir, TrainingCheckpoint.Folder)).Select(Path.GetFileName).Order().ToList();
        Assert.That(folders, Is.EqualTo(new[] { "step-000004", "step-000006" }), "every 4 steps and after the last; no partial folder left");
        Assert.That(Directory.GetFiles(TrainingCheckpoint.PathFor(dir, 4)).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "dict-0.safetensors", "trainer.json" }));
        Assert.That(DictionaryTrainer.LatestCheckpointStep(dir), Is.EqualTo(6));
    }

    [Test]
    public void SeveralDictionariesFromOneStreamTrainAsEachAlone()
    {
        var passes = TrainingFixtures.Synthetic(Dim, Rows, 5);
        using var topkTogether = Make("topk");
        using var reluTogether = Make("relu", DictionaryKind.Transcoder);
        var progress = new List<TrainingProgress>();
        string dir = Dir();
        var summaries = new DictionaryTrainer([topkTogether, reluTogether], Options(6), dir).Train(passes, new Collect(progress));

        using var topkAlone = Make("topk");
        using var reluAlone = Make("relu", DictionaryKind.Transcoder);
        new DictionaryTrainer([topkAlone], Options(6)).Train(passes);
        new DictionaryTrainer([reluAlone], Options(6)).Train(passes);
        Assert.Multiple(() =>
        {
            Assert.That(TrainingFixtures.Snapshot(topkTogether), Is.EqualTo(TrainingFixtures.Snapshot(topkAlone)));
            Assert.That(TrainingFixtures.Snapshot(reluTogether), Is.EqualTo(TrainingFixtures.Snapshot(reluAlone)));
            Assert.That(progress.Select(p => p.Id).Distinct(), Is.EqualTo(new[] { "sae-topk", "transcoder-relu" }));
            Assert.That(progress, Has.Count.EqualTo(12));
            Assert.That(summaries.Select(s => s.SavedTo), Is.EqualTo(new[] { Path.Combine(dir, "sae-topk"), Path.Combine(dir, "transcoder-relu") }));
            Assert.That(File.Exists(Path.Combine(dir, "transcoder-relu", "sparsity.safetensors")));
        });
    }

    [Test]
    public void LiveTensorHandlesStayFlatOverSteps()
    {
        using var d = Make("topk");
        var live = new List<long>();
        _ = Tensor.SettledLiveCount;   // earlier tests' garbage must not be finalised mid-measurement
        new DictionaryTrainer([d], Options(30)).Train(TrainingFixtures.Synthetic(Dim, Rows, 40), new Recorder(_ => live.Add(Tensor.LiveCount)));
        Assert.That(live[^1], Is.EqualTo(live[4]), $"live handles went from {live[4]} at step 5 to {live[^1]} at step 30");
    }

    [Test]
    public void LogDensityIsWrittenOnSave()
    {
        using var d = Make("topk");
        string dir = Dir();
        new DictionaryTrainer([d], Options(8), dir).Train(TrainingFixtures.Synthetic(Dim, Rows, 8));
        using var loaded = SparseDictionary.Load(dir, device: Device.Cpu);
        using var scope = DisposeScope.Enter();
        var logDensity = loaded.LogFeatureDensity!.ToArray<float>();
        // topk with k = 3 of 24 latents: densities sum to 3 over the window (every token has exactly 3 active, up to ReLU zeros).
        double total = logDensity.Sum(v => Math.Pow(10, v) - 1e-10);
        Assert.That(logDensity, Has.Length.EqualTo(24));
        Assert.That(total, Is.InRange(2.5, 3.0 + 1e-4));
        Assert.That(logDensity, Has.All.LessThanOrEqualTo(0));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private sealed class Collect(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }

    private sealed class Recorder(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
