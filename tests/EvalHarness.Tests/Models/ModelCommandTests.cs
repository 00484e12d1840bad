// `model info`, `model logits`, `tokenize` and `bench harvest` as a user runs them, on small models made in the test;
// every malformed model directory class is exit 2 with one line.
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Tests.Models;

public class ModelCommandTests
{
    private string _dir = null!;

    private static ModelConfig Config() => ModelConfig.Parse(new JsonObject
    {
        ["model_type"] = "gpt2", ["vocab_size"] = 40, ["n_embd"] = 16, ["n_layer"] = 2, ["n_head"] = 2, ["n_positions"] = 24,
    }, "test");

    [SetUp]
    public void MakeModel()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ie-cli-" + Guid.NewGuid().ToString("N")[..8]);
        using var model = TransformerModel.Initialize(Config(), seed: 3, device: Device.Cpu);
        model.Save(_dir);
    }

    [TearDown] public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void InfoDescribesArchitectureAndHooks()
    {
        var r = CliRunner.Run("model", "info", "--model", _dir);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("gpt2").And.Contain("blocks.{l}.hook_resid_pre").And.Contain("ln_final.hook_scale"));
        var json = JsonNode.Parse(CliRunner.Run("model", "info", "--model", _dir, "--json").Stdout)!;
        Assert.That((int)json["n_layers"]!, Is.EqualTo(2));
        Assert.That(json["hook_points"]!.AsArray().Select(h => (string)h!), Does.Contain("blocks.1.hook_mlp_out"));
        Assert.That((long)json["parameters"]!, Is.EqualTo(40 * 16 + 24 * 16 + 2 * (4 * 16 + 16 * 48 + 48 + 16 * 16 + 16 + 16 * 64 + 64 + 64 * 16 + 16) + 2 * 16));
    }

    [Test]
    public void LogitsWritesTheForwardAsSafetensors()
    {
        string outFile = Path.Combine(_dir, "out.safetensors");
        var r = CliRunner.Run("model", "logits", "--model", _dir, "--token-ids", "5, 17,3", "--out", outFile);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        using var file = SafeTensorsFile.Open(outFile);
        Assert.That(file.Names, Is.EqualTo(new[] { "logits" }));
        Assert.That(file.Info("logits").Dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(file.Info("logits").Shape, Is.EqualTo(new long[] { 3, 40 }));
        using var model = TransformerModel.Load(_dir, device: Device.Cpu);
        using var scope = DisposeScope.Enter();
        Assert.That(file.Load("logits").ToArray<float>(), Is.EqualTo(model.Logits([5, 17, 3]).ToArray<float>()));
    }

    [TestCase("5,x,3", "'x' is not a non-negative whole number")]
    [TestCase("5,-1", "'-1' is not a non-negative whole number")]
    [TestCase("5,40", "40 is outside the vocabulary of 40")]
    public void BadTokenIdsAreUsageErrors(string ids, string message)
    {
        var r = CliRunner.Run("model", "logits", "--model", _dir, "--token-ids", ids, "--out", Path.Combine(_dir, "o.safetensors"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain(message));
    }

    private static IEnumerable<TestCaseData> MalformedDirectories()
    {
        yield return new TestCaseData((Action<string>)(d => File.Delete(Path.Combine(d, "config.json"))), "config.json").SetName("Malformed(no config.json)");
        yield return new TestCaseData((Action<string>)(d => File.WriteAllText(Path.Combine(d, "config.json"), "{oops")), "malformed JSON").SetName("Malformed(bad JSON)");
        yield return new TestCaseData((Action<string>)(d => EditConfig(d, c => c["model_type"] = "rwkv")), "model_type 'rwkv' is not supported").SetName("Malformed(unknown model_type)");
        yield return new TestCaseData((Action<string>)(d => EditConfig(d, c => c["n_embd"] = 24)), "expected [40, 24]").SetName("Malformed(mis-shaped tensor)");
        yield return new TestCaseData((Action<string>)(d => Truncate(Path.Combine(d, "model.safetensors"))), "model.safetensors").SetName("Malformed(truncated safetensors)");
        yield return new TestCaseData((Action<string>)(d => File.Delete(Path.Combine(d, "model.safetensors"))), "no model.safetensors").SetName("Malformed(no weights)");
        yield return new TestCaseData((Action<string>)(d => Directory.Delete(d, true)), "does not exist").SetName("Malformed(missing directory)");
    }

    [TestCaseSource(nameof(MalformedDirectories))]
    public void MalformedModelDirectoryIsExit2WithOneLine(Action<string> damage, string message)
    {
        damage(_dir);
        var r = CliRunner.Run("model", "info", "--model", _dir);
        Directory.CreateDirectory(_dir);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.StartWith("interp-eval: ").And.Contain(message));
    }

    [Test]
    public void TokenizePrintsTheTokenizersIds()
    {
        var vocab = BpeTrainer.Train(["the cat sat on the mat", "the dog sat on the log"], new BpeTrainerOptions { MergeCount = 20 });
        var tokenizer = new ByteLevelBpeTokenizer(vocab);
        HuggingFaceTokenizerFormat.Write(tokenizer, Path.Combine(_dir, "tokenizer.json"));
        const string text = "the cat sat on the log, 42 times";
        var r = CliRunner.Run("tokenize", "--tokenizer", _dir, "--text", text, "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(JsonNode.Parse(r.Stdout)!.AsArray().Select(n => (int)n!), Is.EqualTo(tokenizer.Encode(text)));
        string file = Path.Combine(_dir, "text.txt");
        File.WriteAllText(file, text);
        var plain = CliRunner.Run("tokenize", "--tokenizer", _dir, "--text-file", file);
        Assert.That(plain.Stdout.Trim(), Is.EqualTo(string.Join(' ', tokenizer.Encode(text))));
        var both = CliRunner.Run("tokenize", "--tokenizer", _dir, "--text", text, "--text-file", file);
        Assert.That(both.ExitCode, Is.EqualTo(2));
        Assert.That(both.Stderr, Does.Contain("exactly one of --text or --text-file"));
    }

    [Test]
    public void BenchHarvestReportsThroughput()
    {
        var r = CliRunner.Run("bench", "harvest", "--model", _dir, "--batch", "2", "--seq", "8", "--repeats", "2", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.That((string)json["hook"]!, Is.EqualTo("blocks.1.hook_resid_post"));
        Assert.That((double)json["tokens_per_s"]!, Is.GreaterThan(0));
        var bad = CliRunner.Run("bench", "harvest", "--model", _dir, "--hook", "blocks.7.hook_resid_post");
        Assert.That(bad.ExitCode, Is.EqualTo(2));
        Assert.That(bad.Stderr, Does.Contain("blocks.7.hook_resid_post"));
    }

    private static void EditConfig(string dir, Action<JsonObject> edit)
    {
        string path = Path.Combine(dir, "config.json");
        var c = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(c);
        File.WriteAllText(path, c.ToJsonString());
    }

    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
    }
}
