// SweepRecipeTests — the sweep trains through the one training recipe (TrainingRecipe) from one recorded harvest: a
// point of a 2-budget sweep is byte for byte the dictionary `train` makes with the same settings, its stream and seed
// (the sweep's stream is the largest budget's, so the smaller budget's point trains on a prefix of it, as `train
// --tokens 512 --stream-tokens 1228` does).
using InterpEval.Harness.Sweeps;

namespace InterpEval.Harness.Tests.Commands;

[TestFixture]
[NonParallelizable]
public sealed class SweepRecipeTests
{
    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-sweep-recipe-" + Guid.NewGuid().ToString("N")));

    [TearDown] public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ASweepPointIsTheDictionaryTrainMakesFromTheSameStreamAndSeed()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, """
            { "seed": 3, "eval": { "tokens": 256, "sequences_per_batch": 4 },
              "training": { "batch_tokens": 256, "learning_rate": 0.003, "context_length": 64, "buffer_tokens": 1024 } }
            """);
        string sweepOut = Path.Combine(_dir, "sweep");
        var sweep = CliRunner.Run("sweep", "--config", config, "--widths", "32", "--tokens", "512,1024", "--k", "8", "--suite", "reconstruction,sparsity",
            "--bootstrap", "10", "--out", sweepOut, "--threads", "2");
        Assert.That(sweep.ExitCode, Is.EqualTo(0), sweep.ToString());
        Assert.That(SweepRunner.StreamTokens(1024), Is.EqualTo(1228));

        string trained = Path.Combine(_dir, "train");
        var train = CliRunner.Run("train", "--kind", "sae", "--arch", "topk", "--width", "32", "--k", "8", "--tokens", "512", "--batch", "256",
            "--lr", "3e-3", "--stream-tokens", "1228", "--context", "64", "--buffer-tokens", "1024", "--seed", "3", "--checkpoint-every", "0",
            "--out", trained, "--threads", "2");
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());

        string point = Path.Combine(sweepOut, "points", "topk-k8-w32-t512-s0", "dict");
        foreach (string file in new[] { "sae_weights.safetensors", "sparsity.safetensors" })
            Assert.That(File.ReadAllBytes(Path.Combine(trained, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(point, file))), file);
        // The longer budget is a different dictionary (more steps on the same stream), so the comparison can fail.
        Assert.That(File.ReadAllBytes(Path.Combine(sweepOut, "points", "topk-k8-w32-t1024-s0", "dict", "sae_weights.safetensors")),
            Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(point, "sae_weights.safetensors"))));
    }
}
