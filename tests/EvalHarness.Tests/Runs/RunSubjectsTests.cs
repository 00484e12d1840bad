// RunSubjectsTests — `interp-eval run` on a tiny config with every subject kind of the default profile: an sae, a
// transcoder per layer ("layers": "all") and a cross-layer transcoder. The run emits the CLT's per-layer and pooled
// records and its replacement model, the full replacement model of the per-layer transcoders (once, on layer 0's),
// ground-truth once per run (not per subject), and caches each trained dictionary on its own.
using System.Text.Json;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
[NonParallelizable]
public sealed class RunSubjectsTests
{
    private const string Config = """
    {
      "profile": "smoke",
      "suites": ["reconstruction", "sparsity", "fidelity", "ground-truth"],
      "eval": { "tokens": 512, "context_length": 128, "sequences_per_batch": 4 },
      "training": { "steps": 10, "batch_tokens": 256, "learning_rate": 0.003, "stream_tokens": 4096, "buffer_tokens": 1024 },
      "dictionaries": [
        { "id": "sae", "kind": "sae", "architecture": "topk", "width": 32, "k": 4 },
        { "id": "plt", "kind": "transcoder", "architecture": "topk", "width": 32, "k": 4, "layers": "all" },
        { "id": "clt", "kind": "clt", "architecture": "topk", "width": 16, "k": 4 }
      ]
    }
    """;

    private string _dir = "";
    private CliResult _run = null!;
    private Dictionary<string, double> _values = [];

    [OneTimeSetUp]
    public void RunOnce()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ie-subjects-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
        _run = CliRunner.Run("run", "--config", Path.Combine(_dir, "config.json"), "--baselines", Path.Combine(_dir, "baseline.json"),
            "--update-baselines", "--out", Path.Combine(_dir, "out"), "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", "history=",
            "--threads", "2");
        if (_run.ExitCode != 0) return;
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out", "results.json")));
        var keys = doc.RootElement.GetProperty("records").EnumerateArray().Select(r => (r.GetProperty("key").GetString()!, r.GetProperty("value").GetDouble())).ToList();
        Assert.That(keys.Select(k => k.Item1), Is.Unique, "every record key once");
        _values = keys.ToDictionary(k => k.Item1, k => k.Item2);
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void The_run_succeeds_and_caches_each_trained_dictionary()
    {
        Assert.That(_run.ExitCode, Is.EqualTo(0), _run.ToString());
        Assert.That(Directory.GetDirectories(Path.Combine(_dir, "cache")).Select(d => Path.GetFileName(d)[..^17]).Order(),
            Is.EqualTo(new[] { "clt", "plt-l0", "plt-l1", "plt-l2", "plt-l3", "sae" }));
    }

    [Test]
    public void The_clt_gets_per_layer_and_pooled_records_and_its_replacement_model()
    {
        Assert.That(_run.ExitCode, Is.EqualTo(0), _run.ToString());
        double[] layerFvu = [.. Enumerable.Range(0, 4).Select(l => _values[$"reconstruction/clt/fvu/layer{l}"])];
        // pooled fvu = Σ residual / Σ variance over layers: a weighted mean of the per-layer fvus, so between them
        Assert.That(_values["reconstruction/clt/fvu"], Is.InRange(layerFvu.Min() - 1e-9, layerFvu.Max() + 1e-9));
        double[] layerL0 = [.. Enumerable.Range(0, 4).Select(l => _values[$"sparsity/clt/l0/layer{l}"])];
        Assert.That(layerL0, Has.All.InRange(0.0, 4.0), "topk k = 4 fires at most 4 latents per token and layer");
        Assert.That(_values["sparsity/clt/l0"], Is.EqualTo(layerL0.Sum()).Within(1e-9), "latents per token over all layers = Σ per layer");
        Assert.That(_values.Keys, Has.Some.EqualTo("fidelity/clt/replacement_kl").And.Some.EqualTo("fidelity/clt/replacement_ce_delta"));
        Assert.That(_values["fidelity/clt/replacement_top1_agreement"], Is.InRange(0.0, 1.0));
    }

    [Test]
    public void The_per_layer_transcoders_give_the_full_replacement_model_once()
    {
        Assert.That(_run.ExitCode, Is.EqualTo(0), _run.ToString());
        foreach (int l in Enumerable.Range(0, 4)) Assert.That(_values.Keys, Has.Some.EqualTo($"reconstruction/plt-l{l}/fvu"));
        Assert.That(_values.Keys.Where(k => k.EndsWith("/replacement_kl", StringComparison.Ordinal)).Order(),
            Is.EqualTo(new[] { "fidelity/clt/replacement_kl", "fidelity/plt-l0/replacement_kl" }));
        // Not "at least the one-layer KL": with 10-step transcoders both are near-random splices (KL ≈ 8 nats) and their
        // order is not a property of the code (it flipped when the training recipe changed: 7.99 vs 8.51).
        Assert.That(_values["fidelity/plt-l0/replacement_kl"], Is.GreaterThan(0).And.LessThan(double.PositiveInfinity),
            "replacing every MLP moves the model's predictions");
    }

    [Test]
    public void Ground_truth_runs_once_per_run()
    {
        Assert.That(_run.ExitCode, Is.EqualTo(0), _run.ToString());
        string[] groundTruth = [.. _values.Keys.Where(k => k.StartsWith("ground-truth/", StringComparison.Ordinal))];
        Assert.That(groundTruth, Is.Not.Empty);
        Assert.That(groundTruth.Select(k => k.Split('/')[1]).Distinct(), Is.EqualTo(new[] { "synthetic-topk" }));
        Assert.That(_run.Stderr.Split('\n').Count(l => l.Contains("] ground-truth on ", StringComparison.Ordinal)), Is.EqualTo(1), _run.Stderr);
    }
}
