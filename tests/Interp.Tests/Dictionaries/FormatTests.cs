// The on-disk format: every architecture and kind saves and loads back to the same latents and predictions (scales
// folded on the way); dictionaries written in SAELens's layout by an independent writer (hand-made cfg.json, raw
// safetensors) load and encode to hand-computed values; what we write carries SAELens's field and key names; folding
// the activation scale leaves predictions on raw activations unchanged.
using System.Text.Json.Nodes;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch.SafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.RawSafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.TinyDictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

public class FormatTests : ScopedTest
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = TempDir();
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Architectures = ["relu", "topk", "batchtopk", "jumprelu"];

    public static IEnumerable<TestCaseData> EveryArchitectureAndKind() =>
        from a in Architectures
        from k in new[] { DictionaryKind.Sae, DictionaryKind.Transcoder, DictionaryKind.SkipTranscoder }
        select new TestCaseData(a, k).SetName($"SaveLoadEncodesIdentically({a}, {k.Name()})");

    // What cfg.json's architecture holds for each (architecture, kind): SAELens's name where SAELens has the class.
    private static readonly Dictionary<(string, DictionaryKind), string> SavedAs = new()
    {
        [("relu", DictionaryKind.Sae)] = "standard", [("relu", DictionaryKind.Transcoder)] = "transcoder",
        [("relu", DictionaryKind.SkipTranscoder)] = "skip_transcoder", [("topk", DictionaryKind.Sae)] = "topk",
        [("topk", DictionaryKind.Transcoder)] = "topk", [("topk", DictionaryKind.SkipTranscoder)] = "topk",
        [("batchtopk", DictionaryKind.Sae)] = "jumprelu", [("batchtopk", DictionaryKind.Transcoder)] = "jumprelu_transcoder",
        [("batchtopk", DictionaryKind.SkipTranscoder)] = "jumprelu_skip_transcoder", [("jumprelu", DictionaryKind.Sae)] = "jumprelu",
        [("jumprelu", DictionaryKind.Transcoder)] = "jumprelu_transcoder", [("jumprelu", DictionaryKind.SkipTranscoder)] = "jumprelu_skip_transcoder",
    };

    [TestCaseSource(nameof(EveryArchitectureAndKind))]
    public void SaveLoadEncodesIdentically(string architecture, DictionaryKind kind)
    {
        int dOut = kind.IsTranscoder() ? 4 : 6;
        var config = Config(architecture, kind, dIn: 6, dSae: 10, dOut: dOut, k: architecture.Contains("topk") ? 3 : null);
        using var d = DictionaryRegistry.Create(config, seed: 11, device: Device.Cpu);
        Perturb(d);
        d.SetScale(new ActivationScale(1.7, kind.IsTranscoder() ? 0.6 : 1.7));
        d.LogFeatureDensity = Tensor.From(Enumerable.Range(0, config.DSae).Select(i => -0.25f * i).ToArray()).DetachFromScopes();
        using var gen = new Generator(12);
        var x = Tensor.Randn([16, 6], gen);
        var f = d.Encode(x).Values();
        var y = d.Predict(x).Values();
        Assert.That(f.Count(v => v != 0), Is.InRange(1, f.Length - 1), "the case has both active and inactive latents");

        d.Save(_dir);
        using var loaded = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(loaded.Kind, Is.EqualTo(kind));
        Assert.That(loaded.Scale.IsIdentity, "saved weights are folded");
        Assert.That(loaded.Config.NormalizeActivations, Is.EqualTo("none"));
        Assert.That(loaded, architecture == "batchtopk" ? Is.InstanceOf<JumpReluDictionary>() : Is.InstanceOf(d.GetType()));
        AssertClose(loaded.Encode(x).Values(), f, 1e-5, "latents");
        AssertClose(loaded.Predict(x).Values(), y, 1e-5, "prediction");
        AssertClose(loaded.LogFeatureDensity!.Values(), d.LogFeatureDensity.Values(), 0, "sparsity");

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "cfg.json")))!.AsObject();
        Assert.That((string?)cfg["architecture"], Is.EqualTo(SavedAs[(architecture, kind)]));
        Assert.That((string?)cfg["kind"], Is.EqualTo(kind.Name()));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "cfg.json", "sae_weights.safetensors", "sparsity.safetensors" }), "no temp files left");
    }

    /// <summary>Non-zero biases, skip and thresholds, so the round trip checks every tensor.</summary>
    private static void Perturb(SparseDictionary d)
    {
        using var g = new Generator(13);
        using var noGrad = Autograd.NoGrad();
        d.BEnc.Copy_(Tensor.Randn([d.DSae], g) * 0.3);
        d.BDec.Copy_(Tensor.Randn([d.DOut], g) * 0.3);
        d.WSkip?.Copy_(Tensor.Randn([d.DOut, d.DIn], g) * 0.3);
        if (d is JumpReluDictionary j) j.LogThreshold.Copy_((Tensor.Rand([d.DSae], g) * 0.4 + 0.05).Log());
        if (d is BatchTopKDictionary b) b.Threshold = 0.2;
    }

    [Test]
    public void WrittenFilesUseSaeLensNamesAndLayouts()
    {
        var config = Config("topk", dIn: 6, dSae: 10, k: 3) with { ModelName = "embedded", HookName = "blocks.1.hook_resid_post", HookLayer = 1, ContextSize = 64 };
        using var d = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu);
        d.Save(_dir);
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "cfg.json")))!.AsObject();
        Assert.That((string?)cfg["architecture"], Is.EqualTo("topk"));
        Assert.That((int?)cfg["d_in"], Is.EqualTo(6));
        Assert.That((int?)cfg["d_sae"], Is.EqualTo(10));
        Assert.That((int?)cfg["activation_fn_kwargs"]!["k"], Is.EqualTo(3), "SAELens 5 reads k here");
        Assert.That((int?)cfg["k"], Is.EqualTo(3), "SAELens 6 reads k here");
        Assert.That((string?)cfg["hook_name"], Is.EqualTo("blocks.1.hook_resid_post"));
        Assert.That((int?)cfg["hook_layer"], Is.EqualTo(1));
        Assert.That(cfg.ContainsKey("hook_head_index") && cfg["hook_head_index"] is null);
        Assert.That((bool?)cfg["apply_b_dec_to_input"], Is.True);
        Assert.That((bool?)cfg["finetuning_scaling_factor"], Is.False);
        Assert.That(cfg.ContainsKey("sae_lens_training_version") && cfg["sae_lens_training_version"] is null);
        Assert.That(cfg.ContainsKey("sae_lens_version"), Is.False, "no version: SAELens 6 reads it as a pre-6.0 config and fills its defaults");
        Assert.That((string?)cfg["normalize_activations"], Is.EqualTo("none"));
        Assert.That((string?)cfg["dtype"], Is.EqualTo("float32"));
        Assert.That((int?)cfg["context_size"], Is.EqualTo(64));
        foreach (string field in new[] { "model_name", "device", "prepend_bos", "dataset_path", "activation_fn_str", "dataset_trust_remote_code" })
            Assert.That(cfg.ContainsKey(field), field);

        using var file = SafeTensorsFile.Open(Path.Combine(_dir, "sae_weights.safetensors"));
        Assert.That(file.Names, Is.EquivalentTo(new[] { "W_enc", "b_enc", "W_dec", "b_dec" }));
        Assert.That(file.Info("W_enc").Shape, Is.EqualTo(new long[] { 6, 10 }));
        Assert.That(file.Info("W_dec").Shape, Is.EqualTo(new long[] { 10, 6 }));
        Assert.That(file.Info("W_dec").Dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(DictionaryConfig.Load(Path.Combine(_dir, "cfg.json")), Is.EqualTo(config), "cfg.json round-trips");
    }

    [Test]
    public void TranscoderConfigNamesBothHooks()
    {
        var config = Config("jumprelu", DictionaryKind.SkipTranscoder, dIn: 6, dSae: 10, dOut: 4);
        using var d = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu);
        d.Save(_dir);
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "cfg.json")))!.AsObject();
        Assert.That((string?)cfg["architecture"], Is.EqualTo("jumprelu_skip_transcoder"));
        Assert.That((int?)cfg["d_out"], Is.EqualTo(4));
        Assert.That((bool?)cfg["apply_b_dec_to_input"], Is.False, "SAELens refuses b_dec on a transcoder's input");
        Assert.That((string?)cfg["hook_name_out"], Is.EqualTo("blocks.0.hook_mlp_out"));
        using var file = SafeTensorsFile.Open(Path.Combine(_dir, "sae_weights.safetensors"));
        Assert.That(file.Names, Is.EquivalentTo(new[] { "W_enc", "b_enc", "W_dec", "b_dec", "W_skip", "threshold" }));
        Assert.That(file.Info("W_skip").Shape, Is.EqualTo(new long[] { 4, 6 }), "SAELens's W_skip is [d_out, d_in]");
        Assert.That(DictionaryConfig.Load(Path.Combine(_dir, "cfg.json")), Is.EqualTo(config));
    }

    // ---- files in SAELens's layout, written without our writer ----

    private void WriteCfg(string json) => File.WriteAllText(Path.Combine(_dir, "cfg.json"), json);

    private void WriteHandWeights(params Entry[] extra) =>
        Write(Path.Combine(_dir, "sae_weights.safetensors"),
            [F32("W_enc", [2, 3], WEnc), F32("b_enc", [3], BEnc), F32("W_dec", [3, 2], WDec), F32("b_dec", [2], BDec), .. extra]);

    /// <summary>SAELens 5.x's SAEConfig.to_dict for a standard SAE.</summary>
    private const string SaeLens5Standard = """
        {"architecture": "standard", "d_in": 2, "d_sae": 3, "dtype": "float32", "device": "cuda", "model_name": "gpt2-small",
         "hook_name": "blocks.8.hook_resid_pre", "hook_layer": 8, "hook_head_index": null, "activation_fn_str": "relu",
         "activation_fn_kwargs": {}, "apply_b_dec_to_input": true, "finetuning_scaling_factor": false,
         "sae_lens_training_version": "3.5.0", "prepend_bos": true, "dataset_path": "Skylion007/openwebtext",
         "dataset_trust_remote_code": true, "context_size": 128, "normalize_activations": "none", "neuronpedia_id": null,
         "model_from_pretrained_kwargs": {}, "seqpos_slice": [null]}
        """;

    [Test]
    public void SaeLens5StandardLoadsAndEncodesTheHandCase()
    {
        WriteCfg(SaeLens5Standard);
        WriteHandWeights();
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(d, Is.InstanceOf<ReluDictionary>());
        Assert.That(d.Config.HookName, Is.EqualTo("blocks.8.hook_resid_pre"));
        Assert.That(d.Config.HookLayer, Is.EqualTo(8));
        AssertClose(d.Encode(XTensor()).Values(), [1, 0.5, 0.25, 0, 2.5, 0], 1e-6, "f");
        AssertClose(d.Predict(XTensor()).Values(), [1.75, 0.25, 0.5, 2.0], 1e-6, "x̂");
    }

    [Test]
    public void SaeLens5JumpReluWithoutDecoderBiasOnTheInputLoads()
    {
        // Gemma Scope's settings: apply_b_dec_to_input false. pre = x W_enc + b_enc = [[1.5, 0, 1.25], [0.5, 2, −1.75]];
        // θ = [−1, 0.6, 0.2]: SAELens computes ReLU(pre)·1[pre > θ], so θ ≤ 0 acts as plain ReLU.
        WriteCfg("""
            {"architecture": "jumprelu", "d_in": 2, "d_sae": 3, "dtype": "float32", "device": "cpu", "model_name": "gemma-2-2b",
             "hook_name": "blocks.12.hook_resid_post", "hook_layer": 12, "hook_head_index": null, "activation_fn_str": "relu",
             "finetuning_scaling_factor": false, "sae_lens_training_version": null, "prepend_bos": true,
             "dataset_path": "monology/pile-uncopyrighted", "context_size": 1024, "dataset_trust_remote_code": true,
             "apply_b_dec_to_input": false, "normalize_activations": null}
            """);
        WriteHandWeights(F32("threshold", [3], -1, 0.6f, 0.2f));
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(d, Is.InstanceOf<JumpReluDictionary>());
        Assert.That(((JumpReluDictionary)d).ThresholdsArePositive(), Is.False, "θ = −1 is kept as 0");
        AssertClose(d.Encode(XTensor()).Values(), [1.5, 0, 1.25, 0.5, 2, 0], 1e-6, "f");
    }

    [Test]
    public void SaeLens6TopKWithMetadataAndHalfPrecisionWeightsLoads()
    {
        // SAELens 6.x: k at the top level, hook facts under "metadata", version given. W_dec stored as F16.
        WriteCfg("""
            {"d_in": 2, "d_sae": 3, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": true,
             "normalize_activations": "none", "reshape_activations": "none", "k": 1, "architecture": "topk",
             "metadata": {"model_name": "pythia-70m", "hook_name": "blocks.3.hook_resid_post", "hook_layer": 3,
                          "sae_lens_version": "6.5.0", "sae_lens_training_version": "6.5.0", "context_size": 512}}
            """);
        Write(Path.Combine(_dir, "sae_weights.safetensors"),
            F32("W_enc", [2, 3], WEnc), F32("b_enc", [3], BEnc), F16("W_dec", [3, 2], WDec), F32("b_dec", [2], BDec));
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(d, Is.InstanceOf<TopKDictionary>());
        Assert.That(d.Config.K, Is.EqualTo(1));
        Assert.That(d.Config.HookName, Is.EqualTo("blocks.3.hook_resid_post"));
        Assert.That(d.Config.ContextSize, Is.EqualTo(512));
        AssertClose(d.Encode(XTensor()).Values(), [1, 0, 0, 0, 2.5, 0], 1e-6, "f");
        AssertClose(d.Predict(XTensor()).Values(), [1.5, -0.5, 0.5, 2.0], 1e-6, "x̂");
    }

    [Test]
    public void SaeLensSkipTranscoderLoadsAndPredicts()
    {
        // SAELens's SkipTranscoder: W_skip [d_out, d_in]; ŷ = f W_dec + b_dec + x W_skipᵀ (hand values in ArchitectureTests).
        WriteCfg("""
            {"architecture": "skip_transcoder", "d_in": 2, "d_sae": 3, "d_out": 1, "dtype": "float32", "device": "cpu",
             "apply_b_dec_to_input": false, "normalize_activations": "none",
             "metadata": {"hook_name": "blocks.0.ln2.hook_normalized", "sae_lens_version": "6.3.0"}}
            """);
        Write(Path.Combine(_dir, "sae_weights.safetensors"),
            F32("W_enc", [2, 3], WEnc), F32("b_enc", [3], BEnc), F32("W_dec", [3, 1], 1, 2, -1), F32("b_dec", [1], 0.5f), F32("W_skip", [1, 2], 0.5f, -1));
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(d.Kind, Is.EqualTo(DictionaryKind.SkipTranscoder));
        AssertClose(d.Predict(XTensor()).Values(), [1.0, 2.75], 1e-6, "ŷ");
    }

    [Test]
    public void SparsityFileIsReadWhenPresent()
    {
        WriteCfg(SaeLens5Standard);
        WriteHandWeights();
        Write(Path.Combine(_dir, "sparsity.safetensors"), F32("sparsity", [3], -1, -2.5f, float.NegativeInfinity));
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        AssertClose(d.LogFeatureDensity!.Values(), [-1, -2.5, double.NegativeInfinity], 0, "log10 density (−∞ for a latent that never fired)");
    }

    [Test]
    public void LoadingEncodingAndDisposingLeaveNoTensorsBehind()
    {
        var config = Config("jumprelu", DictionaryKind.SkipTranscoder, dIn: 6, dSae: 10, dOut: 4);
        using (var d = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu))
        {
            d.LogFeatureDensity = Tensor.Zeros([10]).DetachFromScopes();
            d.Save(_dir);
        }
        var x = Tensor.Ones([3, 6]);
        long before = Tensor.SettledLiveCount;
        for (int i = 0; i < 3; i++)
        {
            using var scope = DisposeScope.Enter();
            using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
            d.Predict(x);
            d.Save(_dir);
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void SaeLensFileTrainedOnScaledActivationsKeepsSayingSoUntilAFactorIsFolded()
    {
        // SAELens keeps the factor of "expected_average_only_in" outside the file: the weights expect s·x.
        var cfg = JsonNode.Parse(SaeLens5Standard)!.AsObject();
        cfg["normalize_activations"] = "expected_average_only_in";
        WriteCfg(cfg.ToJsonString());
        WriteHandWeights();
        double[] expected;
        using (var hand = Hand("relu")) expected = hand.Encode(XTensor() * 2).Values();
        using (var d = SparseDictionary.Load(_dir, device: Device.Cpu))
        {
            Assert.That(d.Config.NormalizeActivations, Is.EqualTo("expected_average_only_in"));
            d.Save(_dir);
        }
        Assert.That((string?)JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "cfg.json")))!["normalize_activations"], Is.EqualTo("expected_average_only_in"),
            "saved again without a factor, the weights still expect scaled inputs");
        using (var d = SparseDictionary.Load(_dir, device: Device.Cpu))
        {
            d.SetScale(new ActivationScale(2, 2));
            AssertClose(d.Encode(XTensor()).Values(), expected, 1e-6, "raw x with the factor in force");
            d.Save(_dir);
        }
        using var folded = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(folded.Config.NormalizeActivations, Is.EqualTo("none"));
        AssertClose(folded.Encode(XTensor()).Values(), expected, 1e-6, "folded: raw x directly");
    }

    // ---- activation scaling ----

    [Test]
    public void EstimatedScaleBringsMeanSquaredNormToTheWidth()
    {
        using var g = new Generator(21);
        var x = Tensor.Randn([256, 8], g) * 7 + 3;
        double s = ActivationScale.Estimate(x);
        Assert.That((x * s).Pow(2).Sum(1).Mean().ToDouble(), Is.EqualTo(8).Within(1e-4));
    }

    [TestCase("relu", DictionaryKind.Sae)]
    [TestCase("topk", DictionaryKind.Sae)]
    [TestCase("jumprelu", DictionaryKind.SkipTranscoder)]
    public void FoldingTheScaleKeepsPredictionsOnRawActivations(string architecture, DictionaryKind kind)
    {
        int dOut = kind.IsTranscoder() ? 5 : 8;
        var config = Config(architecture, kind, dIn: 8, dSae: 16, dOut: dOut, k: architecture == "topk" ? 4 : null);
        using var d = DictionaryRegistry.Create(config, seed: 22, device: Device.Cpu);
        Perturb(d);
        using var g = new Generator(23);
        var x = Tensor.Randn([32, 8], g) * 20;                                               // raw activations, far from E‖x‖² = d
        var target = kind.IsTranscoder() ? Tensor.Randn([32, dOut], g) * 0.1 : null;
        double sIn = ActivationScale.Estimate(x), sOut = target is null ? sIn : ActivationScale.Estimate(target);
        d.SetScale(new ActivationScale(sIn, sOut));
        Assert.That(d.Config.NormalizeActivations, Is.EqualTo("expected_average_only_in"));
        var f = d.Encode(x).Values();
        var y = d.Predict(x).Values();
        double mseScaled = d.Forward(x, target).Parts.Mse.ToDouble();

        d.FoldScale();
        Assert.That(d.Scale.IsIdentity);
        Assert.That(d.Config.NormalizeActivations, Is.EqualTo("none"));
        AssertClose(d.Encode(x).Values(), f, 1e-4, "latents");
        AssertClose(d.Predict(x).Values(), y, 1e-4 * y.Max(Math.Abs), "predictions on raw activations");
        double mseRaw = d.Forward(x, target).Parts.Mse.ToDouble();
        Assert.That(mseScaled, Is.EqualTo(mseRaw * sOut * sOut).Within(1e-3 * mseScaled), "the loss was measured on scaled activations");
    }
}
