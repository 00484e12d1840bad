// The CLT directory: save → load → encode identical (scales folded on save); a directory in circuit-tracer's layout
// written by an independent writer (W_enc_{l} stored [F, d_model], no cfg.json) loads and predicts the hand values; and
// every malformed directory fails with one line naming the file and the field or tensor.
using System.Text.Json.Nodes;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch.SafeTensors;
using static InterpEval.Interp.Tests.Dictionaries.CltCases;
using static InterpEval.Interp.Tests.Dictionaries.RawSafeTensors;

namespace InterpEval.Interp.Tests.Dictionaries;

public class CltFormatTests : ScopedTest
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = TinyDictionaries.TempDir();
    [TearDown] public void RemoveDir() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string At(string name) => Path.Combine(_dir, name);

    [TestCase(CltActivation.Relu, null)]
    [TestCase(CltActivation.JumpRelu, null)]
    [TestCase(CltActivation.TopK, 2)]
    public void SaveLoadEncodesIdentically(CltActivation activation, int? k)
    {
        using var clt = Random(Config(activation, layers: 3, dModel: 4, dSae: 5, k: k), seed: 21);
        clt.SetScale(new CltScale([0.5, 2, 1.5], [3, 0.25, 1]));
        var inputs = RandomActivations(3, 6, 4, seed: 22);
        var latents = clt.Encode(inputs).Select(t => t.Values()).ToArray();
        var predictions = clt.Predict(inputs).Select(t => t.Values()).ToArray();
        clt.Save(_dir);
        Assert.That(clt.Scale.IsIdentity, Is.False, "saving folds a copy, not the CLT in memory");

        using var loaded = CrossLayerTranscoder.Load(_dir, device: Device.Cpu);
        Assert.That(loaded.Config, Is.EqualTo(clt.Config with { NormalizeActivations = DictionaryConfig.NormalizeNone }));
        Assert.That(loaded.Scale.IsIdentity);
        for (int l = 0; l < 3; l++)
        {
            TinyDictionaries.AssertClose(loaded.EncodeLayer(l, inputs[l]).Values(), latents[l], 1e-5, $"f_{l}");
            TinyDictionaries.AssertClose(loaded.Predict(inputs)[l].Values(), predictions[l], 1e-4, $"ŷ_{l}");
        }
        var files = Directory.GetFiles(_dir).Select(Path.GetFileName).Order().ToArray();
        Assert.That(files, Is.EqualTo(new[] { "W_dec_0.safetensors", "W_dec_1.safetensors", "W_dec_2.safetensors",
            "W_enc_0.safetensors", "W_enc_1.safetensors", "W_enc_2.safetensors", "cfg.json" }));
    }

    [Test]
    public void FilesHoldCircuitTracersKeysShapesAndOrientation()
    {
        using var clt = Hand(CltActivation.JumpRelu, [[2.5f, 1], [1, 4]]);
        clt.Save(_dir);
        using (var enc = SafeTensorsFile.Open(At("W_enc_1.safetensors")))
        {
            Assert.That(enc.Names.Order(), Is.EqualTo(new[] { "W_enc_1", "b_dec_1", "b_enc_1", "threshold_1" }));
            Assert.That(enc.Info("W_enc_1").Shape, Is.EqualTo(new long[] { 2, 2 }));
            // [F, d_model]: row i is latent i's encoder vector; ours is [[1, 1], [0, −1]] as [d_model, F], so the file holds its transpose.
            TinyDictionaries.AssertClose(enc.Load("W_enc_1").Values(), [1, 0, 1, -1], 1e-7, "W_enc_1 [F, d_model]");
            TinyDictionaries.AssertClose(enc.Load("threshold_1").Values(), [1, 4], 1e-6, "threshold_1");
        }
        using (var dec = SafeTensorsFile.Open(At("W_dec_0.safetensors")))
        {
            Assert.That(dec.Names, Is.EqualTo(new[] { "W_dec_0" }));
            Assert.That(dec.Info("W_dec_0").Shape, Is.EqualTo(new long[] { 2, 2, 2 }));
            TinyDictionaries.AssertClose(dec.Load("W_dec_0").Values(), WDec0.Select(v => (double)v).ToArray(), 1e-7, "W_dec_0");
        }
        var cfg = JsonNode.Parse(File.ReadAllText(At("cfg.json")))!;
        Assert.That((string)cfg["architecture"]!, Is.EqualTo("clt"));
        Assert.That((string)cfg["activation"]!, Is.EqualTo("jumprelu"));
        Assert.That((int)cfg["n_layers"]! + (int)cfg["d_model"]! + (int)cfg["d_sae"]!, Is.EqualTo(6));
        Assert.That((string)cfg["hook_names_in"]![1]!, Is.EqualTo("blocks.1.hook_resid_mid"));
        Assert.That((string)cfg["hook_names_out"]![0]!, Is.EqualTo("blocks.0.hook_mlp_out"));
    }

    /// <summary>circuit-tracer's own layout, written by hand: no cfg.json, W_enc_{l} as [F, d_model].</summary>
    private void WriteCircuitTracerHandCase(bool withThreshold = false)
    {
        var enc0 = new List<Entry> { F32("W_enc_0", [2, 2], 1, 0, 0, 1), F32("b_enc_0", [2], BEnc0), F32("b_dec_0", [2], BDec0) };
        var enc1 = new List<Entry> { F32("W_enc_1", [2, 2], 1, 0, 1, -1), F32("b_enc_1", [2], BEnc1), F32("b_dec_1", [2], BDec1) };
        if (withThreshold)
        {
            enc0.Add(F32("threshold_0", [2], 2.5f, 1));
            enc1.Add(F32("threshold_1", [2], 1, 4));
        }
        Write(At("W_enc_0.safetensors"), [.. enc0]);
        Write(At("W_enc_1.safetensors"), [.. enc1]);
        Write(At("W_dec_0.safetensors"), F32("W_dec_0", [2, 2, 2], WDec0));
        Write(At("W_dec_1.safetensors"), F32("W_dec_1", [2, 1, 2], WDec1));
    }

    [Test]
    public void ACircuitTracerDirectoryWithoutCfgLoadsAndPredictsTheHandValues()
    {
        WriteCircuitTracerHandCase();
        using var clt = CrossLayerTranscoder.Load(_dir, device: Device.Cpu);
        Assert.That(clt.Config.Activation, Is.EqualTo(CltActivation.Relu));
        Assert.That((clt.NLayers, clt.DModel, clt.DSae), Is.EqualTo((2, 2, 2)));
        Assert.That(clt.Config.InputHookName(1), Is.EqualTo("blocks.1.hook_resid_mid"));
        var y = clt.Predict(HandInputs());
        TinyDictionaries.AssertClose(y[0].Values(), YHat0, 1e-6, "ŷ_0");
        TinyDictionaries.AssertClose(y[1].Values(), YHat1, 1e-6, "ŷ_1");
    }

    [Test]
    public void ACircuitTracerJumpReluDirectoryLoadsItsThresholds()
    {
        WriteCircuitTracerHandCase(withThreshold: true);
        using var clt = CrossLayerTranscoder.Load(_dir, device: Device.Cpu);
        Assert.That(clt.Config.Activation, Is.EqualTo(CltActivation.JumpRelu));
        var f = clt.Encode(HandInputs());
        TinyDictionaries.AssertClose(f[0].Values(), [0, 2], 1e-6, "f_0");
        TinyDictionaries.AssertClose(f[1].Values(), [1.5, 0], 1e-6, "f_1");
    }

    [Test]
    public void CltDirectoriesAreToldApartFromSingleHookDictionaries()
    {
        Assert.That(CltFormat.IsCltDirectory(_dir), Is.False, "empty");
        WriteCircuitTracerHandCase();
        Assert.That(CltFormat.IsCltDirectory(_dir), Is.True, "circuit-tracer's, no cfg.json");
        using (var clt = Hand()) clt.Save(_dir);
        Assert.That(CltFormat.IsCltDirectory(_dir), Is.True, "ours");
        string sae = Path.Combine(_dir, "sae");
        using (var d = TinyDictionaries.Hand("relu")) d.Save(sae);
        Assert.That(CltFormat.IsCltDirectory(sae), Is.False, "a SAELens-layout sae");
        var e = Assert.Throws<InvalidDataException>(() => CrossLayerTranscoder.Load(sae, device: Device.Cpu))!;
        Assert.That(e.Message, Does.Contain("cfg.json").And.Contain("not a cross-layer transcoder"));
    }

    [Test]
    public void SavingOverADeeperCltRemovesItsExtraLayerFiles()
    {
        using (var deep = Random(Config(CltActivation.Relu, layers: 3, dModel: 2, dSae: 2), seed: 1)) deep.Save(_dir);
        using (var shallow = Hand()) shallow.Save(_dir);
        Assert.That(File.Exists(At("W_enc_2.safetensors")) || File.Exists(At("W_dec_2.safetensors")), Is.False);
        using var loaded = CrossLayerTranscoder.Load(_dir, device: Device.Cpu);
        Assert.That(loaded.NLayers, Is.EqualTo(2));
    }

    // ---- malformed directories: one line, naming the file and the field or tensor ----

    private Exception Fails(string file, params string[] fragments)
    {
        var e = Assert.Catch(() => CrossLayerTranscoder.Load(_dir, device: Device.Cpu).Dispose())!;
        Assert.That(e, Is.InstanceOf<IOException>().Or.InstanceOf<InvalidDataException>(), e.ToString());
        Assert.That(e.Message, Does.Contain(file), "names the file");
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        return e;
    }

    private void SavedHandCase(CltActivation activation = CltActivation.Relu)
    {
        using var clt = activation == CltActivation.JumpRelu ? Hand(activation, [[2.5f, 1], [1, 4]]) : Hand(activation, k: activation == CltActivation.TopK ? 1 : null);
        clt.Save(_dir);
    }

    private void EditCfg(Action<JsonObject> edit)
    {
        var cfg = (JsonObject)JsonNode.Parse(File.ReadAllText(At("cfg.json")))!;
        edit(cfg);
        File.WriteAllText(At("cfg.json"), cfg.ToJsonString());
    }

    [Test]
    public void MissingDirectoryOrEmptyDirectory()
    {
        Directory.Delete(_dir);
        Assert.That(Fails(_dir, "does not exist"), Is.InstanceOf<DirectoryNotFoundException>());
        Directory.CreateDirectory(_dir);
        Assert.That(Fails("cfg.json", "no cfg.json and no W_enc_0.safetensors"), Is.InstanceOf<FileNotFoundException>());
    }

    [TestCase("architecture", "\"standard\"", "not a cross-layer transcoder")]
    [TestCase("activation", "\"gelu\"", "activation 'gelu' is not supported")]
    [TestCase("n_layers", "0", "n_layers is 0")]
    [TestCase("n_layers", "\"two\"", "n_layers is \"two\" — expected an integer")]
    [TestCase("d_model", "-3", "d_model is -3")]
    [TestCase("d_sae", "null", "missing field 'd_sae'")]
    [TestCase("k", "3", "k is 3 but activation relu")]
    [TestCase("feature_input_hook", "\"blocks.0.hook_resid_mid\"", "feature_input_hook 'blocks.0.hook_resid_mid' is not a hook name inside a block")]
    [TestCase("hook_names_in", "[\"blocks.0.hook_resid_pre\", \"blocks.1.hook_resid_pre\"]", "hook_names_in is")]
    [TestCase("normalize_activations", "\"layer_norm\"", "normalize_activations 'layer_norm'")]
    public void BadCfgFieldsNameTheField(string field, string json, string fragment)
    {
        SavedHandCase();
        EditCfg(c => c[field] = JsonNode.Parse(json));
        Assert.That(Fails("cfg.json", fragment), Is.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void MalformedCfgJson()
    {
        SavedHandCase();
        File.WriteAllText(At("cfg.json"), "{\"architecture\": \"clt\",");
        Fails("cfg.json", "malformed JSON");
        File.WriteAllText(At("cfg.json"), "[1, 2]");
        Fails("cfg.json", "not a JSON object");
    }

    [Test]
    public void TopKWithoutK()
    {
        SavedHandCase(CltActivation.TopK);
        EditCfg(c => c.Remove("k"));
        Fails("cfg.json", "k is missing");
    }

    [Test]
    public void MissingLayerFile()
    {
        SavedHandCase();
        File.Delete(At("W_dec_1.safetensors"));
        Assert.That(Fails("W_dec_1.safetensors", "missing", "2 layers"), Is.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public void LayerFileBeyondNLayers()
    {
        SavedHandCase();
        File.Copy(At("W_enc_1.safetensors"), At("W_enc_2.safetensors"));
        Fails("W_enc_2.safetensors", "layer 2 is beyond n_layers 2");
    }

    [Test]
    public void MissingTensorWrongShapeNaNIntegerAndUnexpectedTensor()
    {
        WriteCircuitTracerHandCase();
        Write(At("W_enc_0.safetensors"), F32("W_enc_0", [2, 2], 1, 0, 0, 1), F32("b_enc_0", [2], BEnc0));
        Fails("W_enc_0.safetensors", "missing tensor 'b_dec_0'", "[2]");

        WriteCircuitTracerHandCase();
        Write(At("W_dec_0.safetensors"), F32("W_dec_0", [2, 1, 2], 1, 0, 0, 1));
        Fails("W_dec_0.safetensors", "tensor 'W_dec_0' has shape [2, 1, 2], expected [2, 2, 2]");

        WriteCircuitTracerHandCase();
        Write(At("W_enc_1.safetensors"), F32("W_enc_1", [2, 2], 1, float.NaN, 1, -1), F32("b_enc_1", [2], BEnc1), F32("b_dec_1", [2], BDec1));
        Fails("W_enc_1.safetensors", "tensor 'W_enc_1' contains NaN");

        WriteCircuitTracerHandCase();
        Write(At("W_enc_1.safetensors"), F32("W_enc_1", [2, 2], 1, 0, 1, -1), I32("b_enc_1", [2], 0, 0), F32("b_dec_1", [2], BDec1));
        Fails("W_enc_1.safetensors", "tensor 'b_enc_1' has dtype", "floating-point");

        WriteCircuitTracerHandCase();
        Write(At("W_dec_1.safetensors"), F32("W_dec_1", [2, 1, 2], WDec1), F32("W_skip", [2, 2], 1, 0, 0, 1));
        Fails("W_dec_1.safetensors", "unexpected tensor 'W_skip'");
    }

    [Test]
    public void ThresholdsMissingFromAJumpReluLayer()
    {
        SavedHandCase(CltActivation.JumpRelu);
        Write(At("W_enc_1.safetensors"), F32("W_enc_1", [2, 2], 1, 0, 1, -1), F32("b_enc_1", [2], BEnc1), F32("b_dec_1", [2], BDec1));
        Fails("W_enc_1.safetensors", "missing tensor 'threshold_1'");
    }

    [Test]
    public void TruncatedSafetensors()
    {
        SavedHandCase();
        var bytes = File.ReadAllBytes(At("W_dec_0.safetensors"));
        File.WriteAllBytes(At("W_dec_0.safetensors"), bytes[..(bytes.Length - 4)]);
        Assert.That(Fails("W_dec_0.safetensors"), Is.InstanceOf<SafeTensorsFormatException>());
    }

    [Test]
    public void AnInterruptedSaveLeavesNoCfgJson()
    {
        SavedHandCase();
        using var clt = Hand();
        File.Delete(At("W_dec_1.safetensors"));
        Directory.CreateDirectory(At("W_dec_1.safetensors"));                               // a directory where a file must go
        Assert.Catch(() => clt.Save(_dir));
        Assert.That(File.Exists(At("cfg.json")), Is.False, "cfg.json marks a complete directory");
    }
}
