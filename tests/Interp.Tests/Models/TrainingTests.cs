// Training a subject model from scratch: the loss falls, runs repeat bit-for-bit with a seed, and a saved model
// reloads to the same logits (GPT-2 and Llama layouts).
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;

namespace InterpEval.Interp.Tests.Models;

public class TrainingTests
{
    private static ModelConfig TinyGpt2() => ModelConfig.Parse(new JsonObject
    {
        ["model_type"] = "gpt2", ["vocab_size"] = 12, ["n_embd"] = 32, ["n_layer"] = 2, ["n_head"] = 4, ["n_positions"] = 16,
    }, "test");

    // A stream with structure a model can learn: the cycle 0..4 with a coin-flip token (5 or 6) after each 4.
    private static long[] Stream(int length)
    {
        var rng = new Random(3);
        var s = new List<long>();
        while (s.Count < length)
        {
            for (int i = 0; i < 5; i++) s.Add(i);
            s.Add(rng.Next(5, 7));
        }
        return s.Take(length).ToArray();
    }

    private static readonly LanguageModelTrainingOptions Options = new(Steps: 120, BatchSize: 8, ContextLength: 15, LearningRate: 1e-2, WarmupSteps: 10, Seed: 5);

    [Test]
    public void LossFallsOnALearnableStream()
    {
        using var model = TransformerModel.Initialize(TinyGpt2(), seed: 1, device: Device.Cpu);
        var losses = LanguageModelTrainer.Train(model, Stream(2000), Options);
        Assert.That(losses[0], Is.EqualTo(Math.Log(12)).Within(0.3), "an untrained model is near uniform");
        // The best achievable loss is (5·0 + 1·ln 2)/6 ≈ 0.12 nats per token.
        Assert.That(losses.Skip(100).Average(), Is.LessThan(0.4));
    }

    [Test]
    public void SameSeedSameWeights()
    {
        float[] Run()
        {
            using var model = TransformerModel.Initialize(TinyGpt2(), seed: 1, device: Device.Cpu);
            LanguageModelTrainer.Train(model, Stream(500), Options with { Steps = 10 });
            using var scope = DisposeScope.Enter();
            return model.Logits([0, 1, 2, 3]).ToArray<float>();
        }
        Assert.That(Run(), Is.EqualTo(Run()));
    }

    [Test]
    public void NonFiniteLossNamesTheStep()
    {
        using var model = TransformerModel.Initialize(TinyGpt2(), seed: 1, device: Device.Cpu);
        var e = Assert.Throws<InvalidOperationException>(() =>
            LanguageModelTrainer.Train(model, Stream(500), Options with { Steps = 50, LearningRate = 1e30, WarmupSteps = 1 }));
        Assert.That(e!.Message, Does.Match("diverged at step [0-9]+"));
    }

    [Test]
    public void LearningRateWarmsUpThenDecaysToTheFloor()
    {
        var o = new LanguageModelTrainingOptions(Steps: 100, LearningRate: 1, WarmupSteps: 10, MinLearningRateFraction: 0.1);
        Assert.That(LanguageModelTrainer.LearningRateAt(0, o), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(LanguageModelTrainer.LearningRateAt(9, o), Is.EqualTo(1).Within(1e-12));
        Assert.That(LanguageModelTrainer.LearningRateAt(55, o), Is.EqualTo(0.55).Within(1e-12));
        Assert.That(LanguageModelTrainer.LearningRateAt(100, o), Is.EqualTo(0.1).Within(1e-12));
    }

    [TestCase("gpt2")]
    [TestCase("qwen2")]
    [TestCase("qwen3")]
    public void SavedModelReloadsToTheSameLogits(string variant)
    {
        string src = TinyModels.TempDir(), dst = TinyModels.TempDir();
        try
        {
            TinyModels.Write(src, ModelForwardTests.ConfigFor(variant));
            using var scope = DisposeScope.Enter();
            using var model = TransformerModel.Load(src, device: Device.Cpu);
            model.Save(dst);
            using var reloaded = TransformerModel.Load(dst, device: Device.Cpu);
            Assert.That(reloaded.Logits([1, 2, 3]).ToArray<float>(), Is.EqualTo(model.Logits([1, 2, 3]).ToArray<float>()));
            Assert.That(reloaded.ParameterCount, Is.EqualTo(model.ParameterCount));
        }
        finally
        {
            Directory.Delete(src, true);
            Directory.Delete(dst, true);
        }
    }

    [Test]
    public void EvaluatorLossesAreConsistent()
    {
        using var model = TransformerModel.Initialize(TinyGpt2(), seed: 2, device: Device.Cpu);
        var seq = Stream(40);
        double loss = LanguageModelEvaluator.MeanLoss(model, [seq], contextLength: 15);
        using (var scope = DisposeScope.Enter())
        {
            // The chunked evaluation equals one direct pass over each window that covers the positions exactly once.
            double direct = 0;
            int count = 0;
            for (int start = 0; start + 1 < seq.Length; start += 15)
            {
                var w = seq[start..Math.Min(seq.Length, start + 16)];
                direct += LanguageModelTrainer.NextTokenLoss(model, Tensor.From<long>(w, [1, w.Length])).ToDouble() * (w.Length - 1);
                count += w.Length - 1;
            }
            Assert.That(loss, Is.EqualTo(direct / count).Within(1e-5));
        }
        double unigram = LanguageModelEvaluator.UnigramLoss(seq, [seq], 12);
        Assert.That(unigram, Is.GreaterThan(1.5).And.LessThan(Math.Log(12)));
    }
}
