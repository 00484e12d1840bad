// Every architecture × kind trained by the real trainer on a tiny random GPT-2 through the activation store: the loss
// falls, the dictionary saves, reloads, and encodes the same activations as the trained one (scale folded on save).
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class ArchitectureTrainingTests() : TinyModelFixture("gpt2")
{
    private static long[] Tokens()
    {
        var rng = new Random(5);
        return Enumerable.Range(0, 16 * 48).Select(i => i % 16 == 0 ? 0L : rng.NextInt64(1, TinyModels.Vocab)).ToArray();
    }

    [Test]
    public void EveryArchitectureAndKindTrainsSavesAndReloads(
        [Values("relu", "topk", "batchtopk", "jumprelu", "gated", "matryoshka-batchtopk")] string architecture,
        [Values("sae", "transcoder", "skip-transcoder")] string kind)
    {
        var spec = new TrainableSpec(kind, architecture, Width: 32, K: architecture is "topk" or "batchtopk" or "matryoshka-batchtopk" ? 4 : null,
            SparsityCoefficient: architecture == "jumprelu" ? 0.01 : null, Hook: null, HookOut: null, Model: Model.Config, ModelName: "tiny", ContextSize: 16, Device: Device.Cpu);
        using var trainable = (SparseDictionaryTrainable)TrainableKinds.Create(spec);
        var storeOptions = new ActivationStoreOptions(trainable.Hooks, ContextLength: 16, SequencesPerForward: 8, BufferTokens: 256,
            BatchTokens: 64, ExcludeToken: 0, Seed: 1);
        var options = new DictionaryTrainerOptions { Steps = 40, BatchTokens = 64, LearningRate = 1e-2, DecayStart = 1 };
        var losses = new List<double>();
        string dir = TinyModels.TempDir();
        try
        {
            new DictionaryTrainer([trainable], options, dir).Train(p => new ActivationStore(Model, Tokens(), storeOptions with { Seed = (ulong)p + 1 }).Batches(),
                new Losses(losses));
            double first = losses.Take(3).Average(), last = losses.TakeLast(5).Average();
            Assert.That(last, Is.LessThan(0.8 * first), $"loss {first:G4} → {last:G4}");

            using var loaded = SparseDictionary.Load(dir, device: Device.Cpu);
            var x = Harvest(trainable.InputHook);                                              // [N, d_in] raw
            var trained = trainable.Dictionary.Encode(x);
            var reloaded = loaded.Encode(x);
            Assert.That(reloaded.AllClose(trained, rtol: 1e-4, atol: 1e-5), Is.True,
                $"max |Δ| {(reloaded - trained).Abs().Max().ToDouble():G3} between trained and reloaded latents");
            Assert.That(loaded.Config.HookName, Is.EqualTo(trainable.InputHook));
            Assert.That(loaded.Kind.Name(), Is.EqualTo(kind));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private Tensor Harvest(string hook)
    {
        var hooks = new ForwardHooks { NeedLogits = false }.Capture(hook);
        Model.Forward(Tensor.From<long>(Tokens().AsSpan(0, 64), [4, 16]), hooks);
        return hooks.Captured[hook].Reshape(64, -1);
    }

    private sealed class Losses(List<double> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value.Loss);
    }
}
