// A cross-layer transcoder trained by the dictionary trainer on a tiny GPT-2's activations (every layer's
// hook_resid_mid → every layer's hook_mlp_out), built through the --kind clt entry of the kind table: the loss falls,
// the saved directory reloads and predicts as the trained CLT does, a resumed run ends bit-for-bit where an
// uninterrupted one does, live tensor handles stay flat over steps, and bad specs name the option.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Dictionaries;

public class CltTrainingTests() : TinyModelFixture("gpt2")
{
    private string _out = null!;

    [SetUp] public void MakeDir() => _out = TinyDictionaries.TempDir();
    [TearDown] public void RemoveDir() { if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true); }

    // 48 windows of 8 random tokens.
    private static long[] Stream()
    {
        var rng = new Random(5);
        return Enumerable.Range(0, 384).Select(_ => rng.NextInt64(1, TinyModels.Vocab)).ToArray();
    }

    private ActivationPasses Passes(IReadOnlyList<string> hooks) => pass => new ActivationStore(Model, Stream(),
        new ActivationStoreOptions(hooks, ContextLength: 8, SequencesPerForward: 8, BufferTokens: 128, BatchTokens: 64, Seed: (ulong)pass)).Batches();

    private TrainableSpec Spec(string arch, double? l1 = null, int? k = null) =>
        new("clt", arch, Width: 24, K: k, SparsityCoefficient: l1, Hook: null, HookOut: null, Model: Model.Config, ModelName: "tiny", Seed: 3, Device: Device.Cpu);

    private static DictionaryTrainerOptions Options(int steps) => new() { Steps = steps, BatchTokens = 64, LearningRate = 3e-3, SparsityWarmupSteps = 5 };

    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Records { get; } = [];
        public void Report(TrainingProgress value) => Records.Add(value);
    }

    [TestCase("relu", null)]
    [TestCase("jumprelu", null)]
    [TestCase("topk", 4)]
    public void LossFallsAndTheSavedCltPredictsAsTrained(string arch, int? k)
    {
        using var trainable = (CrossLayerTranscoderTrainable)TrainableKinds.Create(Spec(arch, l1: arch == "topk" ? null : 0.05, k: k));
        Assert.That(trainable.Hooks, Is.EqualTo(new[] { "blocks.0.hook_resid_mid", "blocks.1.hook_resid_mid", "blocks.0.hook_mlp_out", "blocks.1.hook_mlp_out" }));
        Assert.That(trainable.LatentCount, Is.EqualTo(2 * 24));
        var recorder = new Recorder();
        new DictionaryTrainer([trainable], Options(40), _out).Train(Passes(trainable.Hooks), recorder);
        var records = recorder.Records;

        Assert.That(records, Has.Count.EqualTo(40));
        double first = records.Take(5).Average(r => r.Parts["mse"]), last = records.TakeLast(5).Average(r => r.Parts["mse"]);
        Assert.That(last, Is.LessThan(0.7 * first), $"mse {first:F3} → {last:F3}");
        Assert.That(records[^1].Fvu, Is.LessThan(records[0].Fvu));
        Assert.That(records.All(r => double.IsFinite(r.Loss) && r.L0 > 0));
        var clt = trainable.Clt;
        Assert.That(clt.Scale.IsIdentity, Is.False, "trained on normalised activations");
        Assert.That(clt.WeightsAreFinite() && clt.ThresholdsArePositive());
        if (k is int kk) Assert.That(records[^1].L0, Is.LessThanOrEqualTo(2 * kk));

        var batch = Passes(trainable.Hooks)(0).First();
        var inputs = clt.Config.InputHookNames.Select(h => batch.Activations[h]).ToArray();
        using var loaded = CrossLayerTranscoder.Load(_out, device: Device.Cpu);
        for (int l = 0; l < 2; l++)
        {
            TinyDictionaries.AssertClose(loaded.Predict(inputs)[l].Values(), clt.Predict(inputs)[l].Values(), 1e-4, $"ŷ_{l}");
            Assert.That(loaded.EncodeLayer(l, inputs[l]).AllClose(clt.EncodeLayer(l, inputs[l]), rtol: 1e-4, atol: 1e-5), $"f_{l}");
        }
    }

    [Test]
    public void ResumingFromACheckpointEndsBitForBitWhereAnUninterruptedRunEnds()
    {
        using var straight = (CrossLayerTranscoderTrainable)TrainableKinds.Create(Spec("jumprelu", l1: 0.05));
        new DictionaryTrainer([straight], Options(8)).Train(Passes(straight.Hooks));

        using (var first = (CrossLayerTranscoderTrainable)TrainableKinds.Create(Spec("jumprelu", l1: 0.05)))
        {
            using var cancel = new CancellationTokenSource();
            var stopAfter4 = new StopAfter(4, cancel);
            Assert.Throws<OperationCanceledException>(() =>
                new DictionaryTrainer([first], Options(8) with { CheckpointEvery = 100 }, _out).Train(Passes(first.Hooks), stopAfter4, cancel: cancel.Token));
        }
        using var resumed = (CrossLayerTranscoderTrainable)TrainableKinds.Create(Spec("jumprelu", l1: 0.05));
        new DictionaryTrainer([resumed], Options(8) with { CheckpointEvery = 100 }, _out).Train(Passes(resumed.Hooks), resume: true);

        Assert.That(resumed.Clt.Scale, Is.EqualTo(straight.Clt.Scale));
        foreach (var ((name, a), (_, b)) in straight.Clt.NamedParameters().Zip(resumed.Clt.NamedParameters()))
            Assert.That(a.Eq(b).All().ToInt64(), Is.EqualTo(1), name);
    }

    private sealed class StopAfter(int steps, CancellationTokenSource cancel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == steps) cancel.Cancel();
        }
    }

    [Test]
    public void LiveTensorHandlesStayFlatOverSteps()
    {
        using var trainable = (CrossLayerTranscoderTrainable)TrainableKinds.Create(Spec("jumprelu", l1: 0.05) with { Width = 8 });
        ActivationPasses synthetic = pass => SyntheticBatches(trainable.Hooks, (ulong)pass);
        var live = new List<long>();
        _ = Tensor.SettledLiveCount;   // earlier tests' garbage must not be finalised mid-measurement
        new DictionaryTrainer([trainable], Options(20)).Train(synthetic, new Callback(_ => live.Add(Tensor.LiveCount)));
        Assert.That(live[^1], Is.EqualTo(live[4]), $"live handles went from {live[4]} at step 5 to {live[^1]} at step 20");
    }

    /// <summary>Ten batches of 64 random rows per hook, made lazily (the trainer disposes each).</summary>
    private static IEnumerable<ActivationBatch> SyntheticBatches(IReadOnlyList<string> hooks, ulong seed)
    {
        for (int b = 0; b < 10; b++)
        {
            using var gen = new Generator(seed * 100 + (ulong)b);
            yield return new ActivationBatch(hooks.ToDictionary(h => h, h => Tensor.Randn([64, 16], gen).DetachFromScopes()));
        }
    }

    private sealed class Callback(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [TestCase("gelu", null, null, "architecture 'gelu'")]
    [TestCase("relu", null, 4, "k applies to topk")]
    [TestCase("topk", 0.1, null, "sparsity_coefficient applies to relu and jumprelu")]
    public void BadSpecsNameTheField(string arch, double? l1, int? k, string fragment)
    {
        var e = Assert.Throws<SpecFieldException>(() => TrainableKinds.Create(Spec(arch, l1, k)))!;
        Assert.That(e.Message, Does.StartWith(fragment));
        e = Assert.Throws<SpecFieldException>(() => TrainableKinds.Create(Spec("relu") with { Hook = HookNames.ResidPre(0) }))!;
        Assert.That(e.Message, Does.StartWith("hook/hook_out"));
        Assert.That(e.Reword(f => "--" + f.Replace('_', '-')), Does.StartWith("--hook/--hook-out: a clt reads blocks.{l}.hook_resid_mid"));
    }
}
