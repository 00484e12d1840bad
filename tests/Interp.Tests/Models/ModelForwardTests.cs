// Subject-model forwards against independent references: a PyTorch transcription of Hugging Face's modeling code
// (when python3-torch is installed) and a hand-derived case that always runs.
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Tests.Models;

public class ModelForwardTests
{
    private static readonly long[] Ids = [3, 17, 5, 0, 41, 9, 22, 9, 30, 1];
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = TinyModels.TempDir();
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static IEnumerable<TestCaseData> Variants()
    {
        yield return new TestCaseData("gpt2", ScalarType.Float32, "").SetName("Reference(gpt2 f32)");
        yield return new TestCaseData("gpt2", ScalarType.Float16, "transformer.").SetName("Reference(gpt2 f16, transformer. prefix)");
        yield return new TestCaseData("llama", ScalarType.Float32, "").SetName("Reference(llama, GQA)");
        yield return new TestCaseData("llama-tied", ScalarType.BFloat16, "").SetName("Reference(llama bf16, tied embeddings)");
        yield return new TestCaseData("qwen2", ScalarType.Float32, "").SetName("Reference(qwen2, qkv biases)");
        yield return new TestCaseData("qwen3", ScalarType.Float32, "").SetName("Reference(qwen3, q/k norms, head_dim)");
        yield return new TestCaseData("mistral", ScalarType.Float32, "").SetName("Reference(mistral, sliding window)");
        yield return new TestCaseData("llama3-rope", ScalarType.Float32, "").SetName("Reference(llama, llama3 rope scaling)");
        yield return new TestCaseData("linear-rope", ScalarType.Float32, "").SetName("Reference(llama, linear rope scaling)");
        yield return new TestCaseData("gemma2", ScalarType.Float32, "").SetName("Reference(gemma2, soft-capping, alternating window)");
        yield return new TestCaseData("gemma3", ScalarType.Float32, "").SetName("Reference(gemma3, q/k norms, local rope base, window pattern)");
        yield return new TestCaseData("gemma3-layer-types", ScalarType.BFloat16, "").SetName("Reference(gemma3 bf16, layer_types, linear rope scaling)");
    }

    internal static JsonObject ConfigFor(string variant) => variant switch
    {
        "gpt2" => TinyModels.Gpt2Config(),
        "llama" => TinyModels.LlamaConfig(),
        "llama-tied" => TinyModels.LlamaConfig(kvHeads: 4, tied: true),
        "qwen2" => TinyModels.LlamaConfig("qwen2"),
        "qwen3" => With(TinyModels.LlamaConfig("qwen3", kvHeads: 1), ("head_dim", 8)),
        "mistral" => With(TinyModels.LlamaConfig("mistral"), ("sliding_window", 3)),
        // head_dim 4 at rope_theta 500 has wavelengths 6.3 and 140: with an original context of 16 one is smoothed, one scaled.
        "llama3-rope" => With(TinyModels.LlamaConfig(), ("rope_scaling", new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 16,
        })),
        "linear-rope" => With(TinyModels.LlamaConfig(), ("rope_scaling", new JsonObject { ["type"] = "linear", ["factor"] = 2.0 })),
        // Caps small enough that tanh bends the random model's scores and logits.
        "gemma2" => With(TinyModels.GemmaConfig("gemma2"), ("attn_logit_softcapping", 2.0), ("final_logit_softcapping", 3.0)),
        "gemma2-uncapped" => With(TinyModels.GemmaConfig("gemma2"), ("attn_logit_softcapping", null!), ("final_logit_softcapping", null!)),
        "gemma2-wide-window" => With(TinyModels.GemmaConfig("gemma2"), ("attn_logit_softcapping", 2.0), ("final_logit_softcapping", 3.0), ("sliding_window", 1000)),
        "gemma3" => With(TinyModels.GemmaConfig("gemma3_text"), ("sliding_window_pattern", 2), ("rope_local_base_freq", 100.0)),
        "gemma3-layer-types" => With(TinyModels.GemmaConfig("gemma3_text"), ("layer_types", new JsonArray("full_attention", "sliding_attention", "full_attention")),
            ("rope_scaling", new JsonObject { ["rope_type"] = "linear", ["factor"] = 8.0 })),
        _ => throw new ArgumentException(variant),
    };

    private static JsonObject With(JsonObject o, params (string Key, JsonNode Value)[] fields)
    {
        foreach (var (k, v) in fields) o[k] = v;
        return o;
    }

    [TestCaseSource(nameof(Variants))]
    public void LogitsMatchThePyTorchReference(string variant, ScalarType dtype, string prefix)
    {
        PythonReference.RequireAvailable();
        TinyModels.Write(_dir, ConfigFor(variant), dtype, prefix);
        var expected = PythonReference.Logits(_dir, Ids);
        using var model = TransformerModel.Load(_dir, device: Device.Cpu);
        using var scope = DisposeScope.Enter();
        var actual = model.Logits(Ids);
        Assert.That(actual.Shape, Is.EqualTo(new long[] { Ids.Length, TinyModels.Vocab }));
        AssertRelativeClose(expected, actual.ToArray<float>(), 1e-4);
    }

    // The Gemma 2 case above is only evidence for soft-capping and the sliding window if dropping either changes the
    // reference's logits far beyond the tolerance; here the reference itself shows that they do.
    [TestCase("gemma2-uncapped")]
    [TestCase("gemma2-wide-window")]
    public void GemmaCaseWouldFailWithoutTheFeature(string without)
    {
        PythonReference.RequireAvailable();
        TinyModels.Write(_dir, ConfigFor("gemma2"));
        var with = PythonReference.Logits(_dir, Ids);
        string other = Path.Combine(_dir, "other");
        TinyModels.Write(other, ConfigFor(without));
        var withoutLogits = PythonReference.Logits(other, Ids);
        double scale = Math.Max(1, with.Max(Math.Abs));
        double maxDiff = with.Zip(withoutLogits, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(maxDiff / scale, Is.GreaterThan(1e-2), $"{without}: the feature moves logits by {maxDiff / scale:E2} of their scale");
    }

    [Test]
    public void EmbeddingOnlyGpt2MatchesAHandDerivedForward()
    {
        // With every attention and MLP weight zero, each block adds only its output biases (also zero), so
        // logits = LayerNorm_f(wte[x] + wpe[p]) · wteᵀ — computed here in double arithmetic from the same weights.
        TinyModels.Write(_dir, TinyModels.Gpt2Config(), edit: t =>
        {
            foreach (var key in t.Keys.Where(k => k.Contains("attn.") || k.Contains("mlp.")).ToList()) t[key] = t[key].Mul(0);
        });
        using var scope = DisposeScope.Enter();
        var all = InterpEval.Torch.SafeTensors.SafeTensorsFile.LoadAll(Path.Combine(_dir, "model.safetensors"));
        double[] wte = all["wte.weight"].Values(), wpe = all["wpe.weight"].Values(), g = all["ln_f.weight"].Values(), b = all["ln_f.bias"].Values();
        const int d = 16;
        using var model = TransformerModel.Load(_dir, device: Device.Cpu);
        var actual = model.Logits(Ids).Values();
        for (int p = 0; p < Ids.Length; p++)
        {
            var x = Enumerable.Range(0, d).Select(i => wte[Ids[p] * d + i] + wpe[p * d + i]).ToArray();
            double mean = x.Average(), sd = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average() + 1e-5);
            var h = x.Select((v, i) => (v - mean) / sd * g[i] + b[i]).ToArray();
            for (int v = 0; v < TinyModels.Vocab; v++)
            {
                double logit = Enumerable.Range(0, d).Sum(i => h[i] * wte[v * d + i]);
                Assert.That(actual[p * TinyModels.Vocab + v], Is.EqualTo(logit).Within(1e-4), $"position {p}, token {v}");
            }
        }
    }

    [TestCase("llama3-rope")]
    [TestCase("linear-rope")]
    public void RopeScalingChangesTheForward(string variant)
    {
        // Guards the reference comparison above: the scaled variants must not silently equal plain rotary.
        using var scope = DisposeScope.Enter();
        TinyModels.Write(_dir, ConfigFor("llama"));
        float[] plain;
        using (var model = TransformerModel.Load(_dir, device: Device.Cpu)) plain = model.Logits(Ids).ToArray<float>();
        TinyModels.Write(_dir, ConfigFor(variant));
        using var scaled = TransformerModel.Load(_dir, device: Device.Cpu);
        Assert.That(scaled.Logits(Ids).ToArray<float>(), Is.Not.EqualTo(plain));
    }

    [Test]
    public void ShardedWeightsGiveTheSameLogits()
    {
        TinyModels.Write(_dir, TinyModels.LlamaConfig());
        using var scope = DisposeScope.Enter();
        float[] single;
        using (var model = TransformerModel.Load(_dir, device: Device.Cpu)) single = model.Logits(Ids).ToArray<float>();
        Sharding.Split(_dir);
        using var sharded = TransformerModel.Load(_dir, device: Device.Cpu);
        Assert.That(sharded.Logits(Ids).ToArray<float>(), Is.EqualTo(single));
    }

    internal static void AssertRelativeClose(float[] expected, float[] actual, double rtol)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        double scale = Math.Max(1, expected.Max(v => Math.Abs(v)));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.That(worst / scale, Is.LessThan(rtol), $"max |Δ| = {worst} against max |logit| = {scale}");
    }
}
