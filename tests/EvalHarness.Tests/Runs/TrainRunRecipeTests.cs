// `train` and `run` train with one recipe (TrainingRecipe): the same spec and seed give the same dictionary, byte for
// byte — same documents in the same order, same windows, separator and position-0 rows dropped alike, same shuffling,
// warm-ups and dead-latent window.
namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
[NonParallelizable]
public sealed class TrainRunRecipeTests
{
    private const string Config = """
    {
      "profile": "smoke",
      "seed": 3,
      "suites": ["sparsity"],
      "eval": { "tokens": 512, "context_length": 128, "sequences_per_batch": 4 },
      "training": { "steps": 6, "batch_tokens": 256, "learning_rate": 0.003, "stream_tokens": 4096, "context_length": 64, "buffer_tokens": 1024 },
      "dictionaries": [
        { "id": "jr", "kind": "sae", "architecture": "jumprelu", "width": 32, "sparsity_coefficient": 0.2, "bandwidth": 0.2 }
      ]
    }
    """;

    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-recipe-" + Guid.NewGuid().ToString("N")));

    [TearDown] public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void AFaultIsNamedByTheConfigFieldInRunAndByTheFlagInTrain()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config.Replace("\"jumprelu\"", "\"topk\"").Replace("\"bandwidth\": 0.2", "\"k\": 4"));
        var run = CliRunner.Run("run", "--config", Path.Combine(_dir, "config.json"), "--baselines", Path.Combine(_dir, "baseline.json"),
            "--update-baselines", "--out", Path.Combine(_dir, "out"), "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", "history=");
        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.StderrLines[^1], Is.EqualTo("interp-eval: config: dictionaries[jr]: sparsity_coefficient applies to relu, jumprelu and gated; topk controls sparsity with k"));
        var train = CliRunner.Run("train", "--kind", "sae", "--arch", "topk", "--width", "32", "--k", "4", "--l1", "0.2", "--out", Path.Combine(_dir, "train"));
        Assert.That(train.ExitCode, Is.EqualTo(2), train.ToString());
        Assert.That(train.StderrLines[^1], Is.EqualTo("interp-eval: --l1 applies to relu, jumprelu and gated; topk controls sparsity with --k"));
    }

    [Test]
    public void TrainAndRunGiveIdenticalDictionariesFromTheSameSpecAndSeed()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
        string cache = Path.Combine(_dir, "cache");
        var run = CliRunner.Run("run", "--config", Path.Combine(_dir, "config.json"), "--baselines", Path.Combine(_dir, "baseline.json"),
            "--update-baselines", "--out", Path.Combine(_dir, "out"), "--set", $"cache_dir={cache}", "--set", "history=", "--threads", "2");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        string entry = Directory.GetDirectories(cache, "jr-*").Single();

        string trained = Path.Combine(_dir, "train");
        var train = CliRunner.Run("train", "--kind", "sae", "--arch", "jumprelu", "--width", "32", "--l1", "0.2", "--bandwidth", "0.2",
            "--tokens", "1536", "--batch", "256", "--lr", "3e-3", "--stream-tokens", "4096", "--context", "64", "--buffer-tokens", "1024",
            "--seed", "3", "--checkpoint-every", "0", "--out", trained, "--threads", "2");
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());

        byte[] fromRun = File.ReadAllBytes(Path.Combine(entry, "sae_weights.safetensors"));
        byte[] fromTrain = File.ReadAllBytes(Path.Combine(trained, "sae_weights.safetensors"));
        Assert.That(fromTrain, Is.EqualTo(fromRun), "sae_weights.safetensors of train and run");
        Assert.That(File.ReadAllBytes(Path.Combine(trained, "sparsity.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(entry, "sparsity.safetensors"))));
    }
}
