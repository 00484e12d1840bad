// CalibratedGateTests — the promise of a calibrated baseline, end to end through `interp-eval run` on the embedded model
// with a shrunken smoke config (a TopK and a ReLU SAE of 64 latents, smoke's training budget): calibrated over five seeds, the gate passes
// at two other seeds and at another thread count, and a planted regression (training steps halved) fails it naming the
// metrics with their z-scores. Also: --calibrate without --update-baselines, or with fewer than two runs, is exit 2.
using System.Text.Json;
using InterpEval.Harness.Baselines;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
[NonParallelizable]
public sealed class CalibratedGateTests
{
    private const string Config = """
    {
      "profile": "smoke",
      "suites": ["reconstruction", "sparsity"],
      "eval": { "tokens": 1024, "context_length": 128, "sequences_per_batch": 8 },
      "training": { "steps": 60, "batch_tokens": 512, "learning_rate": 0.003, "stream_tokens": 16384, "buffer_tokens": 2048 },
      "dictionaries": [
        { "id": "topk", "kind": "sae", "architecture": "topk", "width": 64, "k": 8 },
        { "id": "relu", "kind": "sae", "architecture": "relu", "width": 64 }
      ]
    }
    """;

    private string _dir = "";
    private string _baseline = "";
    private CliResult _calibration = null!;

    [OneTimeSetUp]
    public void Calibrate()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ie-cal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
        _baseline = Path.Combine(_dir, "baseline.json");
        _calibration = Run("calibrate", "--seed", "10", "--update-baselines", "--calibrate", "5");
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private CliResult Run(string name, params string[] extra) => CliRunner.Run(
    [
        "run", "--config", Path.Combine(_dir, "config.json"), "--baselines", _baseline, "--out", Path.Combine(_dir, name, "out"),
        "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", "history=", .. extra,
    ]);

    [Test]
    public void Calibration_writes_every_metric_with_its_spread()
    {
        Assert.That(_calibration.ExitCode, Is.EqualTo(0), _calibration.ToString());
        Assert.That(_calibration.Stdout, Does.Contain("calibrated over 5 seeds"));
        Baseline b = BaselineFile.Read(_baseline);
        Assert.That(b.Entries.Values.All(e => e.Calibration is { Runs: 5 }), Is.True);
        BaselineEntry fvu = b.Entries["reconstruction/relu/fvu"];
        Assert.That(fvu.Calibration!.SeedSd, Is.GreaterThan(0), "different seeds train different dictionaries");
        Assert.That(fvu.Tolerance.Absolute, Is.EqualTo(fvu.Calibration.Band).Within(1e-12));
    }

    [TestCase("20", "2")]
    [TestCase("21", "2")]
    [TestCase("20", "1")]
    public void Another_seed_or_thread_count_passes(string seed, string threads)
    {
        CliResult r = Run($"seed{seed}-t{threads}", "--seed", seed, "--threads", threads);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("PASSED"));
    }

    [Test]
    public void Halving_the_training_steps_fails_naming_the_metrics()
    {
        CliResult r = Run("halved", "--seed", "20", "--threads", "2", "--set", "training.steps=30");
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "halved", "out", "results.json")));
        var regressed = doc.RootElement.GetProperty("gate").GetProperty("verdicts").EnumerateArray()
            .Where(v => v.GetProperty("verdict").GetString() == "regressed").ToList();
        Assert.That(regressed, Is.Not.Empty);
        Baseline baseline = BaselineFile.Read(_baseline);
        foreach (JsonElement v in regressed)
        {
            string key = v.GetProperty("key").GetString()!;
            Calibration c = baseline.Entries[key].Calibration!;
            Assert.That(v.GetProperty("z").GetDouble(), Is.EqualTo(v.GetProperty("delta").GetDouble() / c.Sigma).Within(1e-9), key);
            Assert.That(Math.Abs(v.GetProperty("z").GetDouble()), Is.GreaterThan(c.Multiplier), key);
            Assert.That(r.Stdout, Does.Contain(key + " regressed"));
            Assert.That(v.GetProperty("message").GetString(), Does.Match(@"[+-]\d+(\.\d)?σ"));
        }
        Assert.That(regressed.Select(v => v.GetProperty("key").GetString()), Has.Some.Contains("fvu").Or.Some.Contains("mse"));
    }

    [Test]
    public void Calibrate_without_update_or_with_one_run_is_exit_2()
    {
        CliResult a = Run("bad1", "--calibrate", "3");
        Assert.That(a.ExitCode, Is.EqualTo(2), a.ToString());
        Assert.That(a.StderrLines, Has.Length.EqualTo(1));
        Assert.That(a.Stderr, Does.Contain("--calibrate"));
        CliResult b = Run("bad2", "--update-baselines", "--calibrate", "1");
        Assert.That(b.ExitCode, Is.EqualTo(2), b.ToString());
        Assert.That(b.Stderr, Does.Contain("at least two"));
    }
}
