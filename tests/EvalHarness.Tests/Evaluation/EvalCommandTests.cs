// EvalCommandTests — `interp-eval eval` end to end on the embedded model with small dictionaries built here (a relu sae
// on the residual stream at two widths, a cross-layer transcoder): the suites' records in the table, results.json,
// results.csv and sparsity.safetensors written, feature-splitting records for the two widths, the CLT's per-layer and
// replacement-model records, and bad input as one line with exit 2.
using System.Text.Json;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Tests.Evaluation;

public class EvalCommandTests
{
    private const string Hook = "blocks.1.hook_resid_post";

    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("ie-eval-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string SaveSae(string name, int width, ulong seed)
    {
        string dir = Path.Combine(_dir, name);
        var config = new DictionaryConfig { Architecture = "relu", DIn = 128, DSae = width, HookName = Hook, HookLayer = 1 };
        using var d = DictionaryRegistry.Create(config, seed, device: Device.Cpu);
        d.Save(dir);
        return dir;
    }

    private string SaveClt(string name)
    {
        string dir = Path.Combine(_dir, name);
        var config = new CltConfig { Activation = CltActivation.Relu, NLayers = 4, DModel = 128, DSae = 32 };
        using var clt = CrossLayerTranscoder.Create(config, 3, Device.Cpu);
        clt.Save(dir);
        return dir;
    }

    [Test]
    public void EvalRunsEverySuiteOnTheEmbeddedModelAndWritesJsonCsvAndSparsity()
    {
        string small = SaveSae("sae-small", 64, 1), large = SaveSae("sae-large", 256, 2), clt = SaveClt("clt-w32");
        string outDir = Path.Combine(_dir, "out");
        // Every suite but ground-truth (it trains its own dictionary, tested in Suites.Tests; seconds here for nothing).
        var r = CliRunner.Run("eval", "--dict", small, "--dict", large, "--dict", clt, "--tokens", "256", "--out", outDir,
            "--suite", "reconstruction", "--suite", "sparsity", "--suite", "fidelity", "--suite", "neighbours");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        foreach (string metric in new[] { "fvu", "fve", "l0", "dead_frac", "ce_loss_recovered", "kl", "mean_max_cos", "split_fanout" })
            Assert.That(r.Stdout, Does.Contain(metric), metric);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var records = json.RootElement.GetProperty("records").EnumerateArray().ToList();
        var ce = records.Where(e => e.GetProperty("name").GetString() == "ce_clean").Select(e => e.GetProperty("value").GetDouble()).ToList();
        Assert.That(ce, Has.Count.EqualTo(2));
        Assert.That(ce[0], Is.EqualTo(ce[1]).Within(1e-12), "both dictionaries see the same clean model and tokens");
        Assert.That(ce[0], Is.InRange(1.0, 8.0), "a trained model's loss in nats/token is far below ln(4257) = 8.36");
        string csv = File.ReadAllText(Path.Combine(outDir, "results.csv"));
        Assert.That(csv, Does.Contain("sae-small->sae-large"));
        Assert.That(csv, Does.Contain("reconstruction/clt-w32/fvu/layer3").And.Contain("fidelity/clt-w32/replacement_kl").And.Contain("sparsity/clt-w32/l0/layer0"));

        using var sparsity = SafeTensorsFile.Open(Path.Combine(outDir, "sae-large", "sparsity.safetensors"));
        using var scope = DisposeScope.Enter();
        var logDensity = sparsity.Load("sparsity");
        Assert.That(logDensity.ShapeString, Is.EqualTo("[256]"));
        Assert.That(logDensity.Max().ToDouble(), Is.LessThanOrEqualTo(1e-6));
        Assert.That(logDensity.Min().ToDouble(), Is.GreaterThanOrEqualTo(-10 - 1e-6));
    }

    [Test]
    public void AnUnknownSuiteIsAUsageError()
    {
        string small = SaveSae("sae", 32, 1);
        var r = CliRunner.Run("eval", "--dict", small, "--suite", "nope", "--out", Path.Combine(_dir, "out"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("nope").And.Contain("reconstruction"));
    }

    [Test]
    public void ADictionaryOnAHookTheModelLacksIsNamed()
    {
        string dir = Path.Combine(_dir, "bad");
        var config = new DictionaryConfig { Architecture = "relu", DIn = 128, DSae = 16, HookName = "blocks.9.hook_resid_post", HookLayer = 9 };
        using (var d = DictionaryRegistry.Create(config, 1, device: Device.Cpu)) d.Save(dir);
        var r = CliRunner.Run("eval", "--dict", dir, "--suite", "reconstruction", "--out", Path.Combine(_dir, "out"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("blocks.9.hook_resid_post"));
    }

    [Test]
    public void AMissingDictionaryDirectoryIsNamed()
    {
        var r = CliRunner.Run("eval", "--dict", Path.Combine(_dir, "none"), "--out", Path.Combine(_dir, "out"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("none"));
    }
}
