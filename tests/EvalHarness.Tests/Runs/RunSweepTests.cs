// RunSweepTests — a profile with a "sweep" (as `full` has) runs it inside `run`: the fitted exponents become metric
// records (scaling/<variant>/<law>/b) whose baseline entries take their band from the fit's 95 % bootstrap interval
// (σ = half-width / 1.96, k = Φ⁻¹(1 − α/M)·√2), the gate regresses an exponent moved past that band, the run's
// report.html carries the sweep section with its plots, and a bad grid is exit 2 naming sweep.<field>. A tiny grid
// (3 widths × 3 budgets of a few thousand tokens) keeps it quick.
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Baselines;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
[NonParallelizable]
public sealed class RunSweepTests
{
    private const string Config = """
    { "profile": "smoke", "suites": ["reconstruction", "sparsity"], "eval": { "tokens": 1024 },
      "training": { "steps": 8, "batch_tokens": 256, "stream_tokens": 4096, "buffer_tokens": 1024 },
      "dictionaries": [ { "id": "topk-resid", "kind": "sae", "architecture": "topk", "width": 64, "k": 8 } ],
      "sweep": { "widths": [16, 32, 64], "tokens": [512, 1024, 2048], "k": [4], "suites": ["reconstruction", "sparsity"], "bootstrap": 100 } }
    """;

    private const string Key = "scaling/topk-k4/loss_vs_compute/b";

    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-run-sweep-" + Guid.NewGuid().ToString("N")));

    [TearDown] public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private CliResult Run(string baseline, params string[] extra) => CliRunner.Run([
        "run", "--config", Path.Combine(_dir, "config.json"), "--baselines", baseline, "--out", Path.Combine(_dir, "out"),
        "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", "history=", "--threads", "2", .. extra]);

    [Test]
    public void TheSweepsExponentsAreGatedWithBandsFromTheirBootstrapIntervals()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
        string baselinePath = Path.Combine(_dir, "baseline.json");
        CliResult update = Run(baselinePath, "--update-baselines");
        Assert.That(update.ExitCode, Is.EqualTo(0), update.ToString());

        // The record and its entry: band = k·σ from the interval, not a seed spread.
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out", "results.json"))))
            Assert.That(results.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("key").GetString()), Does.Contain(Key));
        Baseline baseline = BaselineFile.Read(baselinePath);
        BaselineEntry entry = baseline.Entries[Key];
        Calibration c = entry.Calibration!;
        Assert.That(c.Method, Is.EqualTo(Calibration.BootstrapMethod));
        Assert.That(c.Ci95, Has.Count.EqualTo(2));
        Assert.That(c.Ci95![0], Is.LessThanOrEqualTo(entry.Value).And.LessThan(c.Ci95[1]));
        Assert.That(c.Sigma, Is.EqualTo((c.Ci95[1] - c.Ci95[0]) / (2 * 1.959963984540054)).Within(1e-12));
        int gated = baseline.Entries.Values.Count(e => e.Direction != Suites.MetricDirection.None);
        Assert.That(c.FamilySize, Is.EqualTo(gated));
        Assert.That(c.Multiplier, Is.EqualTo(BootstrapTolerance.NormalQuantile(1 - 0.01 / gated) * Math.Sqrt(2)).Within(1e-9));
        Assert.That(entry.Tolerance.Absolute, Is.EqualTo(c.Multiplier * c.Sigma).Within(1e-12));
        Assert.That(entry.Direction, Is.EqualTo(Suites.MetricDirection.Higher));

        // The run's report carries the sweep section and its plots.
        string report = File.ReadAllText(Path.Combine(_dir, "out", "report.html"));
        int section = report.IndexOf("<section id=\"sweep\">", StringComparison.Ordinal);
        Assert.That(section, Is.GreaterThan(0), "sweep section");
        string sweep = report[section..report.IndexOf("</section>", section, StringComparison.Ordinal)];
        Assert.That(System.Text.RegularExpressions.Regex.Count(sweep, "<svg"), Is.EqualTo(5), "the five sweep plots inline");
        Assert.That(sweep, Does.Contain("loss_vs_compute").And.Contain("width 16").And.Contain("width 64"));
        Assert.That(File.Exists(Path.Combine(_dir, "out", "sweep", "plots", "loss_vs_compute.svg")));

        // The stored exponent raised past its band: the same sweep now regresses it (and only the scaling suite moves).
        JsonObject file = JsonNode.Parse(File.ReadAllText(baselinePath))!.AsObject();
        JsonObject stored = file["metrics"]![Key]!.AsObject();
        stored["value"] = entry.Value + 1.5 * entry.Tolerance.Absolute!.Value;
        string moved = Path.Combine(_dir, "moved.json");
        File.WriteAllText(moved, file.ToJsonString());
        CliResult gate = Run(moved);
        Assert.That(gate.ExitCode, Is.EqualTo(1), gate.ToString());
        using var gated2 = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out", "results.json")));
        var verdicts = gated2.RootElement.GetProperty("gate").GetProperty("verdicts").EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("verdict").GetString());
        Assert.That(verdicts[Key], Is.EqualTo("regressed"));
        Assert.That(verdicts.Where(kv => kv.Value == "regressed").Select(kv => kv.Key), Is.EqualTo(new[] { Key }));
    }

    [Test]
    public void ABadSweepGridIsExit2NamingTheField()
    {
        var r = CliRunner.Run("run", "--profile", "smoke", "--set", """sweep={"widths":[16],"tokens":[512],"k":[32]}""", "--out", Path.Combine(_dir, "out"),
            "--set", "history=", "--baselines", Path.Combine(_dir, "none.json"), "--update-baselines");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Stderr, Does.Contain("sweep.k").And.Contain("from 1 to the smallest width"));
    }
}
