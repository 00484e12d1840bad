// RunCommandTests — `interp-eval run` end to end on the embedded model with a tiny config (one TopK SAE of 64 latents,
// tens of steps, 1024 evaluation tokens): a baseline written by --update-baselines; a run retrained from scratch with
// the same seed reproduces it exactly (same values, every verdict "same"); fewer training steps regress (exit 1) and
// every exporter names the regressed metric; more steps pass and are reported as improved; a missing or corrupt
// baseline is exit 2 with one line before any work; a second run on a warm dictionary cache gives the cold run's values.
using System.Text.Json;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Gates;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
[NonParallelizable]
public sealed class RunCommandTests
{
    private const string Config = """
    {
      "profile": "smoke",
      "suites": ["reconstruction", "sparsity"],
      "eval": { "tokens": 1024, "context_length": 128, "sequences_per_batch": 8 },
      "training": { "steps": 40, "batch_tokens": 256, "learning_rate": 0.003, "stream_tokens": 8192, "buffer_tokens": 1024 },
      "dictionaries": [ { "id": "topk-tiny", "kind": "sae", "architecture": "topk", "width": 64, "k": 8 } ]
    }
    """;

    private const string FvuKey = "reconstruction/topk-tiny/fvu";

    private string _dir = "";
    private string _baseline = "";
    private CliResult _update = null!;

    [OneTimeSetUp]
    public void WriteBaseline()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ie-run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
        _baseline = Path.Combine(_dir, "baselines", "tiny.json");
        _update = Run("base", "--update-baselines");
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs the tool on the tiny config with its own output and cache directories under the fixture's.</summary>
    private CliResult Run(string name, params string[] extra) => CliRunner.Run(
    [
        "run", "--config", Path.Combine(_dir, "config.json"), "--baselines", _baseline, "--out", Path.Combine(_dir, name, "out"),
        "--set", $"cache_dir={Path.Combine(_dir, name, "cache")}", "--set", $"history={Path.Combine(_dir, "history.db")}",
        "--threads", "2", "--seed", "3", .. extra,
    ]);

    private Dictionary<string, string> Verdicts(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, name, "out", "results.json")));
        return doc.RootElement.GetProperty("gate").GetProperty("verdicts").EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("verdict").GetString()!);
    }

    [Test]
    public void Update_writes_the_baseline_and_exits_0()
    {
        Assert.That(_update.ExitCode, Is.EqualTo(0), _update.ToString());
        Assert.That(File.ReadAllText(_baseline), Does.Contain($"\"{FvuKey}\""));
        Assert.That(_update.Stdout, Does.Contain("baseline written"));
    }

    [Test]
    public void A_retrained_run_with_the_same_seed_reproduces_the_baseline()
    {
        CliResult again = Run("again");   // its own, empty cache: trains from scratch
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Dictionary<string, string> verdicts = Verdicts("again");
        Assert.That(verdicts.Values.Distinct(), Is.EqualTo(new[] { "same" }));
        using JsonDocument now = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "again", "out", "results.json")));
        using JsonDocument stored = JsonDocument.Parse(File.ReadAllText(_baseline));
        foreach (JsonElement r in now.RootElement.GetProperty("records").EnumerateArray())
        {
            string key = r.GetProperty("key").GetString()!;
            Assert.That(r.GetProperty("value").GetDouble(), Is.EqualTo(stored.RootElement.GetProperty("metrics").GetProperty(key).GetProperty("value").GetDouble()), key);
        }
    }

    [Test]
    public void A_warm_cache_run_equals_a_cold_one()
    {
        CliResult cold = Run("warm");    // an empty cache: trains and stores the dictionary
        IReadOnlyDictionary<string, double> coldValues = Values("warm");
        CliResult warm = Run("warm");    // the same cache: loads it
        Assert.That(cold.ExitCode, Is.EqualTo(0), cold.ToString());
        Assert.That(warm.ExitCode, Is.EqualTo(0), warm.ToString());
        Assert.That(warm.Stderr + warm.Stdout, Does.Contain("cached"), "the second run did not use the cache");
        Assert.That(Values("warm"), Is.EqualTo(coldValues));
    }

    private IReadOnlyDictionary<string, double> Values(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, name, "out", "results.json")));
        return doc.RootElement.GetProperty("records").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("value").GetDouble());
    }

    [Test]
    public void Fewer_training_steps_regress_and_every_exporter_names_the_metric()
    {
        CliResult degraded = Run("degraded", "--set", "training.steps=3", "--suite", "reconstruction");
        Assert.That(degraded.ExitCode, Is.EqualTo(1), degraded.ToString());
        Assert.That(Verdicts("degraded")[FvuKey], Is.EqualTo("regressed"));
        foreach (IExporter exporter in ExporterSet.All)
        {
            string text = File.ReadAllText(Path.Combine(_dir, "degraded", "out", exporter.FileName));
            Assert.That(text, Does.Contain(FvuKey), exporter.Name);
        }
        Assert.That(degraded.Stdout, Does.Contain($"{FvuKey} regressed"));
    }

    [Test]
    public void More_training_steps_pass_and_are_reported_as_improved()
    {
        CliResult improved = Run("improved", "--set", "training.steps=200", "--suite", "reconstruction");
        Assert.That(improved.ExitCode, Is.EqualTo(0), improved.ToString());
        Assert.That(Verdicts("improved")[FvuKey], Is.EqualTo("improved"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "improved", "out", "summary.md")), Does.Contain("### Improvements").And.Contain(FvuKey));
    }

    [Test]
    public void A_missing_baseline_is_exit_2_with_one_line()
    {
        CliResult r = CliRunner.Run("run", "--config", Path.Combine(_dir, "config.json"), "--baselines", Path.Combine(_dir, "nope.json"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("nope.json").And.Contain("not found"));
    }

    [Test]
    public void A_corrupt_baseline_is_exit_2_with_one_line_and_is_left_alone()
    {
        string corrupt = Path.Combine(_dir, "corrupt.json");
        File.WriteAllText(corrupt, "{\"schema_version\": 1, \"metrics\": {\"a/b/c\": {\"value\": ");
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--update-baselines"] })
        {
            CliResult r = CliRunner.Run(["run", "--config", Path.Combine(_dir, "config.json"), "--baselines", corrupt, .. extra]);
            Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
            Assert.That(r.StderrLines, Has.Length.EqualTo(1));
            Assert.That(r.Stderr, Does.Contain("corrupt.json").And.Contain("not valid JSON"));
        }
        Assert.That(File.ReadAllText(corrupt), Does.EndWith("\"value\": "));
    }

    [Test]
    public void The_history_holds_every_run()
    {
        CliResult history = CliRunner.Run("history", "--db", Path.Combine(_dir, "history.db"), "--metric", "fvu", "--plot", Path.Combine(_dir, "fvu.svg"));
        Assert.That(history.ExitCode, Is.EqualTo(0), history.ToString());
        Assert.That(history.Stdout, Does.Contain(FvuKey));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "fvu.svg")), Does.Contain("<svg"));
        Assert.That(File.Exists(Path.Combine(_dir, "fvu.png")), "the PNG next to it");
    }
}
