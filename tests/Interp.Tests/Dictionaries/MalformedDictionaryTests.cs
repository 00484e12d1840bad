// Every class of malformed dictionary directory gives one line naming the file and the field or tensor at fault, as
// an exception type the CLI turns into exit code 2 (DirectoryNotFound/FileNotFound, InvalidData, SafeTensorsFormat).
using System.Text.Json.Nodes;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch.SafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.RawSafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.TinyDictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

public class MalformedDictionaryTests : ScopedTest
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = TempDir();
    [TearDown] public void RemoveDir() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string CfgPath => Path.Combine(_dir, "cfg.json");
    private string WeightsPath => Path.Combine(_dir, "sae_weights.safetensors");

    /// <summary>A valid standard SAE (the hand case) as JSON, to break one field at a time.</summary>
    private static JsonObject ValidCfg() => new()
    {
        ["architecture"] = "standard", ["d_in"] = 2, ["d_sae"] = 3, ["dtype"] = "float32", ["device"] = "cpu",
        ["hook_name"] = "blocks.0.hook_resid_pre", ["hook_layer"] = 0, ["apply_b_dec_to_input"] = true,
        ["normalize_activations"] = "none",
    };

    private void Write(JsonObject cfg, params Entry[] weights)
    {
        File.WriteAllText(CfgPath, cfg.ToJsonString());
        RawSafeTensors.Write(WeightsPath, weights.Length > 0 ? weights : HandEntries());
    }

    private static Entry[] HandEntries() => [F32("W_enc", [2, 3], WEnc), F32("b_enc", [3], BEnc), F32("W_dec", [3, 2], WDec), F32("b_dec", [2], BDec)];

    private Exception Fails(string file, params string[] fragments)
    {
        var e = Assert.Catch(() => SparseDictionary.Load(_dir, device: Device.Cpu).Dispose())!;
        Assert.That(e, Is.InstanceOf<IOException>().Or.InstanceOf<InvalidDataException>(), e.ToString());
        Assert.That(e.Message, Does.Contain(file), "names the file");
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        return e;
    }

    private void FailsWithCfg(Action<JsonObject> edit, params string[] fragments)
    {
        var cfg = ValidCfg();
        edit(cfg);
        Write(cfg);
        Assert.That(Fails("cfg.json", fragments), Is.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void TheValidBaseLoads()
    {
        Write(ValidCfg());
        using var d = SparseDictionary.Load(_dir, device: Device.Cpu);
        Assert.That(d.DSae, Is.EqualTo(3));
        Assert.That(d.WeightsAreFinite(), "the control case the faults below break one at a time");
    }

    [Test]
    public void MissingDirectory()
    {
        Directory.Delete(_dir);
        Assert.That(Fails(_dir, "does not exist"), Is.InstanceOf<DirectoryNotFoundException>());
    }

    [Test]
    public void MissingConfig() => Assert.That(Fails("cfg.json", "no cfg.json"), Is.InstanceOf<FileNotFoundException>());

    [Test]
    public void MissingWeights()
    {
        File.WriteAllText(CfgPath, ValidCfg().ToJsonString());
        Assert.That(Fails("sae_weights.safetensors"), Is.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public void MalformedJson()
    {
        File.WriteAllText(CfgPath, "{\"architecture\": \"standard\",");
        Fails("cfg.json", "malformed JSON");
    }

    [Test]
    public void JsonThatIsNotAnObject()
    {
        File.WriteAllText(CfgPath, "[1, 2]");
        Fails("cfg.json", "not a JSON object");
    }

    [Test]
    public void UnknownArchitectureNamesTheKnownOnes() =>
        FailsWithCfg(c => c["architecture"] = "crosscoder", "architecture 'crosscoder' is not supported", "standard", "topk", "jumprelu", "gated", "skip_transcoder");

    [Test]
    public void MissingArchitecture() => FailsWithCfg(c => c.Remove("architecture"), "missing field 'architecture'");

    [Test]
    public void ZeroWidth() => FailsWithCfg(c => c["d_sae"] = 0, "d_sae is 0 — expected a positive width");

    [Test]
    public void MissingInputWidth() => FailsWithCfg(c => c.Remove("d_in"), "missing field 'd_in'");

    [Test]
    public void WidthOfTheWrongType() => FailsWithCfg(c => c["d_in"] = "two", "d_in is \"two\" — expected an integer");

    [Test]
    public void TopKWithoutK() => FailsWithCfg(c => c["architecture"] = "topk", "k is missing", "topk");

    [Test]
    public void TopKWithKAboveTheWidth() => FailsWithCfg(c => { c["architecture"] = "topk"; c["activation_fn_kwargs"] = new JsonObject { ["k"] = 9 }; },
        "k is 9 — expected 1 to d_sae (3)");

    [Test]
    public void UnknownKind() => FailsWithCfg(c => c["kind"] = "crosscoder", "kind 'crosscoder' is not known", "skip-transcoder");

    [Test]
    public void KindContradictingTheArchitecture() => FailsWithCfg(c => c["kind"] = "transcoder", "kind 'transcoder' contradicts architecture 'standard'");

    [Test]
    public void TranscoderWithoutOutputWidth() => FailsWithCfg(c => { c["architecture"] = "transcoder"; c["apply_b_dec_to_input"] = false; },
        "missing field 'd_out'");

    [Test]
    public void TranscoderSubtractingItsOutputBiasFromTheInput() =>
        FailsWithCfg(c => { c["architecture"] = "transcoder"; c["d_out"] = 2; }, "apply_b_dec_to_input is true for a transcoder");

    [Test]
    public void UnsupportedNormalisation() => FailsWithCfg(c => c["normalize_activations"] = "layer_norm", "normalize_activations 'layer_norm' is not supported");

    [Test]
    public void FinetuningScalingFactor() => FailsWithCfg(c => c["finetuning_scaling_factor"] = true, "finetuning_scaling_factor is true");

    [Test]
    public void UnknownDtype() => FailsWithCfg(c => c["dtype"] = "int8", "dtype 'int8' is not supported");

    [Test]
    public void BooleanOfTheWrongType() => FailsWithCfg(c => c["apply_b_dec_to_input"] = "yes", "apply_b_dec_to_input is \"yes\" — expected true or false");

    [Test]
    public void MissingTensorNamesKeyAndShape()
    {
        Write(ValidCfg(), HandEntries().Where(e => e.Name != "b_enc").ToArray());
        Fails("sae_weights.safetensors", "missing tensor 'b_enc'", "[3]");
    }

    [Test]
    public void JumpReluWithoutThreshold()
    {
        var cfg = ValidCfg();
        cfg["architecture"] = "jumprelu";
        Write(cfg);
        Fails("sae_weights.safetensors", "missing tensor 'threshold'");
    }

    [Test]
    public void MisShapedTensorNamesBothShapes()
    {
        Write(ValidCfg(), [.. HandEntries().Where(e => e.Name != "W_dec"), F32("W_dec", [2, 3], WDec)]);
        Fails("sae_weights.safetensors", "tensor 'W_dec' has shape [2, 3], expected [3, 2]");
    }

    [Test]
    public void NaNWeights()
    {
        Write(ValidCfg(), [.. HandEntries().Where(e => e.Name != "W_enc"), F32("W_enc", [2, 3], 1, float.NaN, 0, 0, 1, 0)]);
        Fails("sae_weights.safetensors", "tensor 'W_enc' contains NaN");
    }

    [Test]
    public void IntegerWeights()
    {
        Write(ValidCfg(), [.. HandEntries().Where(e => e.Name != "b_dec"), I32("b_dec", [2], 0, 0)]);
        Fails("sae_weights.safetensors", "tensor 'b_dec' has dtype I32 — expected a floating-point type");
    }

    [Test]
    public void UnexpectedTensorIsRefused()
    {
        Write(ValidCfg(), [.. HandEntries(), F32("b_gate", [3], 0, 0, 0)]);
        Fails("sae_weights.safetensors", "unexpected tensor 'b_gate'", "W_enc, b_enc, W_dec, b_dec");
    }

    [Test]
    public void TruncatedWeightsFile()
    {
        Write(ValidCfg());
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..^5]);
        Assert.That(Fails("sae_weights.safetensors"), Is.InstanceOf<SafeTensorsFormatException>());
    }

    [Test]
    public void MisShapedSparsityFile()
    {
        Write(ValidCfg());
        RawSafeTensors.Write(Path.Combine(_dir, "sparsity.safetensors"), F32("sparsity", [2], -1, -2));
        Fails("sparsity.safetensors", "tensor 'sparsity' has shape [2], expected [3]");
    }

    [Test]
    public void ConfigBuiltInCodeIsCheckedToo()
    {
        var e = Assert.Throws<ArgumentException>(() => DictionaryRegistry.Create(Config("topk", dSae: 3, k: 4), seed: 0, device: Device.Cpu));
        Assert.That(e!.Message, Does.Contain("k is 4 — expected 1 to d_sae (3)"));
        e = Assert.Throws<ArgumentException>(() => DictionaryRegistry.Create(Config("crosscoder"), seed: 0, device: Device.Cpu));
        Assert.That(e!.Message, Does.Contain("relu, topk, batchtopk, jumprelu, gated, matryoshka-batchtopk"));
    }
}
