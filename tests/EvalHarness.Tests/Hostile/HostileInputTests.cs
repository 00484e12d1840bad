// HostileInputTests — the hostile-input corpus (DESIGN §12): one malformed input per case, across every format the tool
// reads (dictionary and CLT directories, activation files, run configs and --set paths, baselines, tokenizer files,
// model directories, history databases, results files, training checkpoints, command-line values), each made here from a
// valid file and run through the real CLI in process. Every case must end in exit 2 with exactly one stderr line
// `interp-eval: …` naming the file (or option) and the fault, no stack trace, no output file left, in bounded time.
using System.Diagnostics;
using System.Text.Json.Nodes;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Runs;
using InterpEval.Torch;

namespace InterpEval.Harness.Tests.Hostile;

/// <param name="Name">What is wrong.</param>
/// <param name="Args">Builds the input inside the case folder (given with the output path that must not appear) and returns the arguments.</param>
/// <param name="Expect">Substrings the one stderr line must hold: the file or option, and the fault.</param>
public sealed record HostileCase(string Name, Func<HostileCaseContext, string[]> Args, params string[] Expect)
{
    public override string ToString() => Name;
}

public sealed record HostileCaseContext(string Dir, string Out, string ValidDict, string ValidClt, string Activations, string Model,
    string Config, string Baseline, string Results, string History);

[TestFixture]
[NonParallelizable]
public sealed class HostileInputTests
{
    private HostileFiles _files = null!;

    [OneTimeSetUp]
    public void Make() => _files = new HostileFiles();

    [OneTimeTearDown]
    public void Remove() => _files.Dispose();

    public static IEnumerable<TestCaseData> Cases() => HostileCorpus.All.Select(c => new TestCaseData(c).SetName("Refused: " + c.Name));

    [Test]
    public void The_corpus_holds_at_least_60_cases_with_distinct_names()
    {
        Assert.That(HostileCorpus.All, Has.Count.GreaterThanOrEqualTo(60));
        Assert.That(HostileCorpus.All.Select(c => c.Name), Is.Unique);
    }

    [TestCaseSource(nameof(Cases))]
    public void Refused(HostileCase c)
    {
        string dir = _files.NewCase(new string(c.Name.Where(char.IsLetterOrDigit).Take(24).ToArray()));
        string outPath = Path.Combine(dir, "out");
        var context = new HostileCaseContext(dir, outPath, _files.Dict, _files.Clt, _files.Activations, _files.Model, _files.Config,
            _files.Baseline, _files.Results, _files.History);
        string[] args = c.Args(context);
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        CliResult r = CliRunner.Run(args);
        clock.Stop();

        Assert.That(r.ExitCode, Is.EqualTo(2), $"{string.Join(' ', args)}\n{r}");
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Stderr, Does.StartWith("interp-eval: "));
        Assert.That(r.Stderr, Does.Not.Contain(" at ").Or.Not.Contain(".cs:line"), "no stack trace");
        Assert.That(r.Stderr, Does.Not.Contain("internal error"));
        foreach (string expect in c.Expect) Assert.That(r.Stderr, Does.Contain(expect), r.ToString());
        Assert.That(LeftOutputs(outPath), Is.Empty, "no output file left behind");
        Assert.That(Snapshot(dir).Except(before), Is.Empty, "no file created beside the inputs (journals, temp files)");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "refused in bounded time");
        string kept = Path.Combine(dir, "weights-before");
        if (File.Exists(kept))
            Assert.That(File.ReadAllBytes(Path.Combine(dir, "trained", "sae_weights.safetensors")), Is.EqualTo(File.ReadAllBytes(kept)), "the refused resume left the dictionary as it was");
    }

    /// <summary>Files under the output path, the lock file of a refused run aside.</summary>
    private static IEnumerable<string> LeftOutputs(string outPath) =>
        File.Exists(outPath) ? [outPath]
        : Directory.Exists(outPath) ? Directory.GetFiles(outPath, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != OutputLock.FileName)
        : [];

    private static HashSet<string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(dir, "out"), StringComparison.Ordinal)).ToHashSet();
}

/// <summary>The cases, grouped by format.</summary>
public static class HostileCorpus
{
    public static IReadOnlyList<HostileCase> All { get; } = [.. Dictionaries(), .. Clts(), .. ActivationFiles(), .. RunConfigs(), .. SetPaths(),
        .. Baselines(), .. Tokenizers(), .. Models(), .. Histories(), .. ResultsFiles(), .. CommandLine()];

    private const string Weights = "sae_weights.safetensors";

    /// <summary>A float32 copy of t with one element (row-major index) set to value.</summary>
    private static Tensor WithValue(Tensor t, float value, int at)
    {
        float[] data = t.To(ScalarType.Float32).Contiguous().ToArray<float>();
        data[at] = value;
        return Tensor.From(data, t.Shape.ToArray());
    }

    // ---- dictionary directories: dict info loads and checks every tensor --------------------------------------------

    private static string[] Info(string dictDir) => ["dict", "info", "--dict", dictDir];

    private static HostileCase Dict(string name, Action<string> corrupt, params string[] expect) => new(name, c =>
    {
        string d = HostileFiles.Copy(c.ValidDict, c.Dir, "dict");
        corrupt(d);
        return Info(d);
    }, expect);

    private static HostileCase Raw(string name, Func<string, string> header, int dataBytes, params string[] expect) =>
        Dict(name, d => HostileFiles.WriteHeader(Path.Combine(d, Weights), header(d), dataBytes), expect);

    private const string OneTensor = """{"W_enc":{"dtype":"F32","shape":[6,20],"data_offsets":[0,480]}}""";

    private static IEnumerable<HostileCase> Dictionaries() =>
    [
        Dict("safetensors truncated to half", d => HostileFiles.Truncate(Path.Combine(d, Weights), 0.5), Weights),
        Dict("safetensors truncated inside the header", d => HostileFiles.Truncate(Path.Combine(d, Weights), 0.0005), Weights),
        Dict("safetensors of 4 bytes", d => File.WriteAllBytes(Path.Combine(d, Weights), [1, 2, 3, 4]), Weights, "shorter than the 8-byte"),
        Dict("safetensors empty", d => File.WriteAllBytes(Path.Combine(d, Weights), []), Weights, "0 bytes"),
        Dict("header length past the end", d => HostileFiles.WriteRaw(Path.Combine(d, Weights), 5000, "{}", new byte[10]), Weights, "past the end"),
        Dict("header length 2^63", d => HostileFiles.WriteRaw(Path.Combine(d, Weights), 1UL << 63, "{}", new byte[10]), Weights, "past the end"),
        Dict("header length 2^64-1", d => HostileFiles.WriteRaw(Path.Combine(d, Weights), ulong.MaxValue, "{}", []), Weights, "past the end"),
        Raw("header not JSON", _ => "{not json at all}", 0, Weights, "not valid JSON"),
        Raw("header a JSON array", _ => "[1, 2, 3]", 0, Weights, "not a JSON object"),
        Raw("header not UTF-8", _ => "{\"\udc00\"}", 0, Weights),
        Raw("header nested 100 deep", _ => new string('[', 1) + "{" + string.Concat(Enumerable.Repeat("\"a\":{", 100)) + string.Concat(Enumerable.Repeat("}", 101)), 0, Weights),
        Raw("overlapping offsets", _ => """{"W_enc":{"dtype":"F32","shape":[6,20],"data_offsets":[0,480]},"b_enc":{"dtype":"F32","shape":[20],"data_offsets":[400,480]}}""", 480, Weights, "overlapping"),
        Raw("negative offset", _ => """{"W_enc":{"dtype":"F32","shape":[6,20],"data_offsets":[-4,476]}}""", 480, Weights, "data_offsets"),
        Raw("offset past the data", _ => """{"W_enc":{"dtype":"F32","shape":[6,20],"data_offsets":[0,480]}}""", 100, Weights, "data section"),
        Raw("offsets end before they begin", _ => """{"W_enc":{"dtype":"F32","shape":[6,20],"data_offsets":[480,0]}}""", 480, Weights, "end before they begin"),
        Raw("gap between tensors", _ => """{"W_enc":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, Weights, "non-contiguous"),
        Raw("shape times dtype is not the byte span", _ => """{"W_enc":{"dtype":"F32","shape":[6,21],"data_offsets":[0,480]}}""", 480, Weights, "span"),
        Raw("unknown dtype", _ => """{"W_enc":{"dtype":"F13","shape":[6,20],"data_offsets":[0,480]}}""", 480, Weights, "F13"),
        Raw("duplicate tensor keys", _ => """{"W_enc":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"W_enc":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, Weights, "duplicate key"),
        Raw("shape with a negative dim", _ => """{"W_enc":{"dtype":"F32","shape":[-6,20],"data_offsets":[0,480]}}""", 480, Weights, "shape"),
        Raw("shape overflowing 63 bits", _ => """{"W_enc":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,480]}}""", 480, Weights, "overflows"),
        Raw("entry without dtype", _ => """{"W_enc":{"shape":[6,20],"data_offsets":[0,480]}}""", 480, Weights, "dtype"),
        Raw("only one of the tensors", _ => OneTensor, 480, Weights, "missing tensor"),
        Dict("NaN weight", d => HostileFiles.EditTensors(Path.Combine(d, Weights), t => t["W_dec"] = WithValue(t["W_dec"], float.NaN, 3 * 6 + 2)), Weights, "W_dec", "NaN"),
        Dict("infinite weight", d => HostileFiles.EditTensors(Path.Combine(d, Weights), t => t["b_enc"] = Tensor.Full([20], double.PositiveInfinity)), Weights, "b_enc", "infinite"),
        Dict("W_enc shape not matching cfg", d => HostileFiles.EditTensors(Path.Combine(d, Weights), t => t["W_enc"] = Tensor.Zeros([6, 21])), Weights, "W_enc", "shape"),
        Dict("integer weights", d => HostileFiles.EditTensors(Path.Combine(d, Weights), t => t["b_dec"] = Tensor.Zeros([6], ScalarType.Int64)), Weights, "b_dec", "floating-point"),
        Dict("an extra tensor", d => HostileFiles.EditTensors(Path.Combine(d, Weights), t => t["W_extra"] = Tensor.Zeros([2])), Weights, "W_extra"),
        Dict("NaN in sparsity file", d => HostileFiles.EditTensors(Path.Combine(d, "sparsity.safetensors"), t => t["sparsity"] = Tensor.Full([20], double.NaN)), "sparsity.safetensors", "NaN"),
        Dict("weights file missing", d => File.Delete(Path.Combine(d, Weights)), Weights),
        Dict("cfg.json missing", d => File.Delete(Path.Combine(d, "cfg.json")), "cfg.json"),
        Dict("cfg.json not JSON", d => File.WriteAllText(Path.Combine(d, "cfg.json"), "{\"d_in\": 6,"), "cfg.json"),
        Dict("cfg.json an array", d => File.WriteAllText(Path.Combine(d, "cfg.json"), "[6, 20]"), "cfg.json"),
        Dict("cfg.json empty object", d => File.WriteAllText(Path.Combine(d, "cfg.json"), "{}"), "cfg.json"),
        Dict("cfg d_sae zero", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_sae"] = 0), "cfg.json", "d_sae"),
        Dict("cfg d_sae negative", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_sae"] = -20), "cfg.json", "d_sae"),
        Dict("cfg d_sae a string", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_sae"] = "twenty"), "cfg.json", "d_sae"),
        Dict("cfg d_sae null", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_sae"] = null), "cfg.json", "d_sae"),
        Dict("cfg d_sae 2^31-1", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_sae"] = int.MaxValue), Weights, "2147483647"),
        Dict("cfg d_in missing", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j.Remove("d_in")), "cfg.json", "d_in"),
        Dict("cfg unknown architecture", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["architecture"] = "quantum"), "cfg.json", "quantum"),
        Dict("cfg architecture null", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["architecture"] = null), "cfg.json", "architecture"),
        Dict("cfg topk without k", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["architecture"] = "topk"), "cfg.json", "k"),
        Dict("cfg hook_name a number", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["hook_name"] = 7), "cfg.json", "hook_name"),
        new("dictionary d_in not matching the model's hook", c =>
            ["eval", "--dict", HostileFiles.Copy(c.ValidDict, c.Dir, "dict"), "--suite", "reconstruction", "--tokens", "256", "--out", c.Out], "cfg.json", "d_in is 6"),
        new("dictionary hook not in the model", c =>
        {
            string d = HostileFiles.Copy(c.ValidDict, c.Dir, "dict");
            HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["hook_name"] = "blocks.9.hook_resid_post");
            return ["eval", "--dict", d, "--suite", "reconstruction", "--tokens", "256", "--out", c.Out];
        }, "blocks.9.hook_resid_post"),
    ];

    // ---- cross-layer transcoders -------------------------------------------------------------------------------------

    private static HostileCase Clt(string name, Action<string> corrupt, params string[] expect) => new(name, c =>
    {
        string d = HostileFiles.Copy(c.ValidClt, c.Dir, "clt");
        corrupt(d);
        return ["eval", "--dict", d, "--suite", "reconstruction", "--tokens", "256", "--out", c.Out];
    }, expect);

    private static IEnumerable<HostileCase> Clts() =>
    [
        Clt("clt decoder file missing", d => File.Delete(Path.Combine(d, "W_dec_1.safetensors")), "W_dec_1.safetensors"),
        Clt("clt encoder truncated", d => HostileFiles.Truncate(Path.Combine(d, "W_enc_0.safetensors"), 0.6), "W_enc_0.safetensors"),
        Clt("clt NaN encoder", d => HostileFiles.EditTensors(Path.Combine(d, "W_enc_2.safetensors"), t => t["W_enc_2"] = Tensor.Full([8, 128], double.NaN)), "W_enc_2", "NaN"),
        Clt("clt decoder shape wrong", d => HostileFiles.EditTensors(Path.Combine(d, "W_dec_0.safetensors"), t => t["W_dec_0"] = Tensor.Zeros([8, 3, 128])), "W_dec_0"),
        Clt("clt cfg n_layers zero", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["n_layers"] = 0), "cfg.json"),
        Clt("clt cfg d_model not the model's", d => HostileFiles.EditJson(Path.Combine(d, "cfg.json"), j => j["d_model"] = 64), "W_enc_0", "expected [8, 64]"),
    ];

    // ---- activation files for dict encode ----------------------------------------------------------------------------

    private static HostileCase Encode(string name, Action<string> write, params string[] expect) => new(name, c =>
    {
        string input = Path.Combine(c.Dir, "input.safetensors");
        write(input);
        return ["dict", "encode", "--dict", c.ValidDict, "--input", input, "--out", c.Out];
    }, expect);

    private static void Acts(string path, Tensor t) => InterpEval.Torch.SafeTensors.SafeTensorsWriter.Write(path, [KeyValuePair.Create("activations", t)]);

    private static IEnumerable<HostileCase> ActivationFiles() =>
    [
        Encode("NaN activations", p => Acts(p, WithValue(Tensor.Zeros([3, 6]), float.NaN, 1 * 6 + 4)), "input.safetensors", "activations", "NaN"),
        Encode("infinite activations", p => Acts(p, Tensor.Full([3, 6], double.NegativeInfinity)), "input.safetensors", "infinite"),
        Encode("activations truncated", p => { Acts(p, Tensor.Zeros([50, 6])); HostileFiles.Truncate(p, 0.7); }, "input.safetensors"),
        Encode("activations not safetensors", p => File.WriteAllText(p, "activations,1,2,3\n"), "input.safetensors"),
        Encode("activations of rank 3", p => Acts(p, Tensor.Zeros([2, 3, 6])), "input.safetensors", "[N, 6]"),
        Encode("activations of the wrong width", p => Acts(p, Tensor.Zeros([2, 7])), "input.safetensors", "[N, 6]"),
    ];

    // ---- run configs ---------------------------------------------------------------------------------------------------

    private static HostileCase Run(string name, Action<JsonObject> edit, params string[] expect) => new(name, c =>
    {
        string file = Path.Combine(c.Dir, "run.json");
        File.WriteAllText(file, HostileFiles.RunConfig);
        HostileFiles.EditJson(file, edit);
        return ["run", "--config", file, "--out", c.Out, "--baselines", c.Baseline, "--set", $"cache_dir={Path.Combine(c.Dir, "cache")}", "--set", "history="];
    }, ["run.json", .. expect]);

    private static IEnumerable<HostileCase> RunConfigs() =>
    [
        Run("config training null", j => j["training"] = null, "training", "null"),
        Run("config eval null", j => j["eval"] = null, "eval", "null"),
        Run("config dictionaries null", j => j["dictionaries"] = null, "dictionaries", "null"),
        Run("config a null dictionary", j => j["dictionaries"] = new JsonArray(null, JsonNode.Parse("""{"id":"x"}""")), "dictionaries[0] is null"),
        Run("config dictionary id null", j => j["dictionaries"]![0]!["id"] = null, "id", "null"),
        Run("config dictionary kind null", j => j["dictionaries"]![0]!["kind"] = null, "kind", "null"),
        Run("config suites with a null", j => j["suites"] = new JsonArray("reconstruction", null), "suites[1] is null"),
        Run("config exporters null", j => j["exporters"] = null, "exporters", "null"),
        Run("config fail_on_missing null", j => j["fail_on_missing"] = null, "fail_on_missing", "null"),
        Run("config training steps null", j => j["training"]!["steps"] = null, "steps", "null"),
        Run("config width 2^31-1", j => j["dictionaries"]![0]!["width"] = int.MaxValue, "width", "memory"),
        Run("config width 10^12", j => j["dictionaries"]![0]!["width"] = 1_000_000_000_000L, "width"),
        Run("config batch of 2^31-1 tokens", j => j["training"]!["batch_tokens"] = int.MaxValue, "batch_tokens", "memory"),
        Run("config eval batch of 2^31-1 windows", j => j["eval"]!["sequences_per_batch"] = int.MaxValue, "memory"),
        Run("config k above width", j => j["dictionaries"]![0]!["k"] = 17, "k is 17"),
        Run("config k zero", j => j["dictionaries"]![0]!["k"] = 0, "k is 0"),
        Run("config negative learning rate", j => j["training"]!["learning_rate"] = -0.1, "learning_rate"),
        Run("config negative steps", j => j["training"]!["steps"] = -5, "training.steps"),
        Run("config unknown field", j => j["trainng"] = new JsonObject(), "trainng"),
        Run("config seed negative", j => j["seed"] = -1, "seed"),
        new("config model with a negative layer_norm_epsilon", c =>
        {
            string m = HostileFiles.Copy(c.Model, c.Dir, "model");
            HostileFiles.EditJson(Path.Combine(m, "config.json"), j => j["layer_norm_epsilon"] = -1e-5);
            return ["run", "--config", c.Config, "--out", c.Out, "--baselines", c.Baseline, "--set", "history=", "--set", $"model={m}"];
        }, "config.json", "layer_norm_epsilon"),
        Run("config model directory missing", j => j["model"] = "/nonexistent/model", "/nonexistent/model"),
        new("config not JSON", c =>
        {
            string file = Path.Combine(c.Dir, "run.json");
            File.WriteAllText(file, "{ \"training\": { \"steps\": 3 ");
            return ["run", "--config", file, "--out", c.Out];
        }, "run.json", "not valid JSON"),
        new("config a JSON array", c =>
        {
            string file = Path.Combine(c.Dir, "run.json");
            File.WriteAllText(file, "[]");
            return ["run", "--config", file, "--out", c.Out];
        }, "run.json", "JSON object"),
    ];

    // ---- --set paths ---------------------------------------------------------------------------------------------------

    private static HostileCase Set(string name, string pair, params string[] expect) => new(name, c =>
        ["run", "--config", c.Config, "--out", c.Out, "--baselines", c.Baseline, "--set", "history=", "--set", pair], expect);

    private static IEnumerable<HostileCase> SetPaths() =>
    [
        Set("--set without =", "training.steps", "--set 'training.steps'", "PATH=VALUE"),
        Set("--set empty path", "=5", "--set '=5'"),
        Set("--set empty segment", "training..steps=5", "empty segment"),
        Set("--set list index out of range", "dictionaries.9.width=3", "dictionaries.9.width=3", "no element '9'"),
        Set("--set into a number", "training.steps.x=1", "training.steps.x=1", "not an object or a list"),
        Set("--set a string where a number goes", "training.steps=many", "--set training.steps=many"),
        Set("--set training null", "training=null", "--set training=null", "null"),
        Set("--set a dictionary null", "dictionaries.0=null", "--set dictionaries.0=null", "null"),
        Set("--set width 2^31-1", "dictionaries.0.width=2147483647", "--set dictionaries.0.width=2147483647", "memory"),
        Set("--set steps 0", "training.steps=0", "--set training.steps=0", "training.steps is 0"),
    ];

    // ---- baselines -------------------------------------------------------------------------------------------------------

    private static HostileCase Base(string name, Action<JsonObject> edit, params string[] expect) => new(name, c =>
    {
        string file = Path.Combine(c.Dir, "base.json");
        File.Copy(c.Baseline, file);
        HostileFiles.EditJson(file, edit);
        return ["run", "--config", c.Config, "--out", c.Out, "--baselines", file, "--set", "history="];
    }, ["base.json", .. expect]);

    private static JsonObject FirstMetric(JsonObject j) => (JsonObject)((JsonObject)j["metrics"]!).First().Value!;

    private static IEnumerable<HostileCase> Baselines() =>
    [
        Base("baseline NaN value", j => FirstMetric(j)["value"] = "NaN", "value"),
        Base("baseline negative tolerance", j => FirstMetric(j)["tolerance"] = new JsonObject { ["abs"] = -0.01 }, "tolerance"),
        Base("baseline wrong schema_version", j => j["schema_version"] = 99, "schema_version"),
        Base("baseline metrics a list", j => j["metrics"] = new JsonArray(), "metrics"),
        Base("baseline unknown direction", j => FirstMetric(j)["direction"] = "sideways", "sideways"),
        Base("baseline value a string", j => FirstMetric(j)["value"] = "0.1", "value"),
        new("baseline not JSON", c =>
        {
            string file = Path.Combine(c.Dir, "base.json");
            File.WriteAllText(file, "{\"schema_version\": 1, \"metrics\": {");
            return ["run", "--config", c.Config, "--out", c.Out, "--baselines", file];
        }, "base.json", "not valid JSON"),
    ];

    // ---- tokenizer files -------------------------------------------------------------------------------------------------

    private static HostileCase Tok(string name, Action<string> corrupt, params string[] expect) => new(name, c =>
    {
        string dir = Path.Combine(c.Dir, "tok");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(c.Model, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        corrupt(Path.Combine(dir, "tokenizer.json"));
        return ["tokenize", "--tokenizer", dir, "--text", "hello world"];
    }, expect);

    private static IEnumerable<HostileCase> Tokenizers() =>
    [
        Tok("tokenizer.json truncated", p => HostileFiles.Truncate(p, 0.5), "tokenizer.json"),
        Tok("tokenizer.json not JSON", p => File.WriteAllText(p, "vocab: none"), "tokenizer.json"),
        Tok("tokenizer.json without model", p => HostileFiles.EditJson(p, j => j.Remove("model")), "tokenizer.json"),
        Tok("tokenizer.json vocab a list", p => HostileFiles.EditJson(p, j => j["model"]!["vocab"] = new JsonArray(1, 2)), "tokenizer.json"),
        Tok("tokenizer.json negative id", p => HostileFiles.EditJson(p, j => j["model"]!["vocab"]!["a"] = -3), "tokenizer.json"),
        Tok("tokenizer.json merge of unknown tokens", p => HostileFiles.EditJson(p, j => ((JsonArray)j["model"]!["merges"]!).Add("zzzq qqqz")), "tokenizer.json"),
        Tok("tokenizer.json empty vocab", p => HostileFiles.EditJson(p, j => j["model"]!["vocab"] = new JsonObject()), "tokenizer.json"),
        new("tokenizer directory empty", c => ["tokenize", "--tokenizer", c.Dir, "--text", "x"], "tokenizer"),
    ];

    // ---- model directories ---------------------------------------------------------------------------------------------

    private static HostileCase ModelCase(string name, Action<string> corrupt, string[] command, params string[] expect) => new(name, c =>
    {
        string m = HostileFiles.Copy(c.Model, c.Dir, "model");
        corrupt(m);
        string[] outArgs = command[1] == "logits" ? ["--out", c.Out] : [];
        return [.. command, "--model", m, .. outArgs];
    }, expect);

    private static string[] ModelInfo => ["model", "info"];
    private static string[] Logits => ["model", "logits", "--token-ids", "1,2,3"];

    private static IEnumerable<HostileCase> Models() =>
    [
        ModelCase("model negative layer_norm_epsilon", m => HostileFiles.EditJson(Path.Combine(m, "config.json"), j => j["layer_norm_epsilon"] = -1e-5), ModelInfo, "config.json", "layer_norm_epsilon"),
        ModelCase("model llama negative rope_theta", m => File.WriteAllText(Path.Combine(m, "config.json"),
            """{"model_type":"llama","hidden_size":128,"num_attention_heads":4,"num_hidden_layers":2,"intermediate_size":256,"vocab_size":100,"rope_theta":-10000}"""),
            ModelInfo, "config.json", "rope_theta"),
        ModelCase("model zero rms_norm_eps", m => File.WriteAllText(Path.Combine(m, "config.json"),
            """{"model_type":"llama","hidden_size":128,"num_attention_heads":4,"num_hidden_layers":2,"intermediate_size":256,"vocab_size":100,"rms_norm_eps":0}"""),
            ModelInfo, "config.json", "rms_norm_eps"),
        ModelCase("model n_embd zero", m => HostileFiles.EditJson(Path.Combine(m, "config.json"), j => j["n_embd"] = 0), ModelInfo, "config.json", "n_embd"),
        ModelCase("model unknown model_type", m => HostileFiles.EditJson(Path.Combine(m, "config.json"), j => j["model_type"] = "rwkv"), ModelInfo, "config.json", "rwkv"),
        ModelCase("model NaN weights", m => HostileFiles.EditTensors(Path.Combine(m, "model.safetensors"),
            t => { string k = t.Keys.First(k => k.EndsWith("ln_f.weight", StringComparison.Ordinal)); t[k] = WithValue(t[k], float.NaN, 0); }),
            Logits, "model.safetensors", "ln_f.weight", "NaN"),
        ModelCase("model weights truncated", m => HostileFiles.Truncate(Path.Combine(m, "model.safetensors"), 0.9), Logits, "model.safetensors"),
    ];

    // ---- history databases -------------------------------------------------------------------------------------------------

    private static HostileCase Db(string name, Action<string> write, bool compare, params string[] expect) => new(name, c =>
    {
        string db = Path.Combine(c.Dir, "h.db");
        write(db);
        return compare ? ["compare", "1", "2", "--db", db] : ["history", "--db", db, "--plot", Path.Combine(c.Out, "p.svg")];
    }, ["h.db", .. expect]);

    private static void CorruptPages(string path, string source)
    {
        byte[] bytes = File.ReadAllBytes(source);
        for (int i = 100; i < bytes.Length; i++) bytes[i] = (byte)(i * 131 + 7);
        File.WriteAllBytes(path, bytes);
    }

    private static IEnumerable<HostileCase> Histories() =>
    [
        Db("history not SQLite", p => File.WriteAllText(p, "these are not the runs you are looking for"), false, "not an SQLite database"),
        Db("history corrupt pages", p => CorruptPages(p, HistoryTemplate()), false, "run history"),
        Db("history corrupt pages for compare", p => CorruptPages(p, HistoryTemplate()), true, "run history"),
        Db("history empty file", p => File.WriteAllBytes(p, []), false, "not a run history"),
        Db("history another SQLite database", p => OtherDatabase(p), false, "not a run history"),
        Db("history truncated", p => { File.Copy(HistoryTemplate(), p); HostileFiles.Truncate(p, 0.3); }, false, "run history"),
        Db("history of a newer schema", p => NewerSchema(p), false, "newer"),
    ];

    private static string? _historyTemplate;

    /// <summary>A valid history (two runs) written once, in rollback-journal mode so it is one file.</summary>
    private static string HistoryTemplate()
    {
        if (_historyTemplate is not null) return _historyTemplate;
        string path = Path.Combine(Path.GetTempPath(), $"ie-hostile-history-{Environment.ProcessId}.db");
        File.Delete(path);
        using (var h = InterpEval.Harness.History.HistoryDb.Open(path, create: true))
        {
            h.Append(Exporters.SampleRuns.Gated());
            h.Append(Exporters.SampleRuns.RecordsOnly() with { Info = Exporters.SampleRuns.Info with { RunId = "two" } });
        }
        Sql(path, "PRAGMA journal_mode=DELETE;");
        return _historyTemplate = path;
    }

    private static void OtherDatabase(string path) => Sql(path, "PRAGMA journal_mode=DELETE; CREATE TABLE songs (title TEXT);");

    private static void NewerSchema(string path)
    {
        File.Copy(HistoryTemplate(), path);
        Sql(path, "PRAGMA user_version = 99;");
    }

    private static void Sql(string path, string sql)
    {
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
    }

    // ---- results files for compare ---------------------------------------------------------------------------------------

    private static HostileCase Res(string name, Action<JsonObject> edit, params string[] expect) => new(name, c =>
    {
        string file = Path.Combine(c.Dir, "b.json");
        File.Copy(c.Results, file);
        HostileFiles.EditJson(file, edit);
        return ["compare", c.Results, file, "--db", Path.Combine(c.Dir, "none.db")];
    }, ["b.json", .. expect]);

    private static IEnumerable<HostileCase> ResultsFiles() =>
    [
        Res("results duplicate keys", j => ((JsonArray)j["records"]!).Add(j["records"]![0]!.DeepClone()), "2 times"),
        Res("results records missing", j => j.Remove("records"), "records"),
        Res("results wrong schema_version", j => j["schema_version"] = 42, "schema_version"),
        Res("results value a word", j => j["records"]![0]!["value"] = "lots", "results.json"),
        Res("results records null", j => j["records"] = null, "results.json"),
        Res("results unknown direction", j => j["records"]![0]!["direction"] = "up", "direction"),
        new("results not JSON", c =>
        {
            string file = Path.Combine(c.Dir, "b.json");
            File.WriteAllText(file, "{\"records\": [");
            return ["compare", c.Results, file, "--db", Path.Combine(c.Dir, "none.db")];
        }, "b.json"),
    ];

    // ---- command-line misuse and checkpoints ------------------------------------------------------------------------------

    private static string[] Train => ["train", "--kind", "sae", "--arch", "topk", "--width", "16", "--k", "4", "--tokens", "1024", "--batch", "256"];

    private static IEnumerable<HostileCase> CommandLine() =>
    [
        new("train --tokens negative", c => [.. Train, "--tokens", "-5", "--out", c.Out], "--tokens"),
        new("--threads 0", c => ["--threads", "0", .. Train, "--out", c.Out], "--threads"),
        new("--threads 100000", c => [.. Train, "--threads", "100000", "--out", c.Out], "--threads", "100000"),
        new("train --k above --width", c => ["train", "--kind", "sae", "--arch", "topk", "--width", "10", "--k", "50", "--tokens", "1024", "--out", c.Out], "k"),
        new("train --width 2^31-1", c => ["train", "--kind", "sae", "--arch", "relu", "--width", "2147483647", "--tokens", "1024", "--out", c.Out], "--width 2147483647", "memory"),
        new("train --batch 2^31-1", c => ["train", "--kind", "sae", "--arch", "relu", "--width", "16", "--batch", "2147483647", "--tokens", "4294967294", "--out", c.Out], "--batch 2147483647", "memory"),
        new("eval --tokens -1", c => ["eval", "--dict", c.ValidDict, "--tokens", "-1", "--out", c.Out], "--tokens"),
        new("dict encode of a missing dictionary", c => ["dict", "encode", "--dict", Path.Combine(c.Dir, "nope"), "--input", c.Activations, "--out", c.Out], "nope"),
        new("history --limit 0", c => ["history", "--db", c.History, "--limit", "0"], "--limit"),
        new("resume from a corrupt trainer.json", c => CorruptCheckpoint(c, j => j["step"] = "three"), "trainer.json", "step"),
        new("resume from a trainer.json past its total", c => CorruptCheckpoint(c, j => j["step"] = 999), "trainer.json", "999"),
        new("resume from a trainer.json that is not JSON", c => CorruptCheckpoint(c, null), "trainer.json", "not valid JSON"),
    ];

    /// <summary>Trains a tiny dictionary with checkpoints into the case folder, breaks the last checkpoint's trainer.json,
    /// and returns the resume command; the saved dictionary must survive (checked by ResumeKeepsTheDictionary).</summary>
    private static string[] CorruptCheckpoint(HostileCaseContext c, Action<JsonObject>? edit)
    {
        string dir = Path.Combine(c.Dir, "trained");
        string[] train = ["train", "--kind", "sae", "--arch", "relu", "--width", "16", "--tokens", "1024", "--batch", "256", "--checkpoint-every", "2", "--out", dir];
        CliResult first = CliRunner.Run(train);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        string trainer = Path.Combine(InterpEval.Interp.Training.TrainingCheckpoint.Latest(dir)!, "trainer.json");
        if (edit is null) File.WriteAllText(trainer, "{\"step\": 4, \"total");
        else HostileFiles.EditJson(trainer, edit);
        string weights = Path.Combine(dir, Weights);
        File.Copy(weights, Path.Combine(c.Dir, "weights-before"));
        return [.. train, "--resume"];
    }
}
