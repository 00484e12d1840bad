// Every class of malformed model directory gives one clear error naming the file and the fault (the CLI turns
// these exception types into exit code 2).
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Tests.Models;

public class MalformedModelTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = TinyModels.TempDir();
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private Exception Fails(params string[] fragments)
    {
        var e = Assert.Catch(() => TransformerModel.Load(_dir, device: Device.Cpu).Dispose());
        Assert.That(e, Is.InstanceOf<IOException>().Or.InstanceOf<InvalidDataException>(), e!.ToString());
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        return e;
    }

    [Test]
    public void MissingDirectory()
    {
        Directory.Delete(_dir);
        Fails("does not exist");
        Directory.CreateDirectory(_dir);
    }

    [Test]
    public void MissingConfig() => Fails("config.json");

    [Test]
    public void MalformedConfigJson()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"model_type\": \"gpt2\",");
        Fails("config.json", "malformed JSON");
    }

    [Test]
    public void UnknownModelType()
    {
        var cfg = TinyModels.Gpt2Config();
        cfg["model_type"] = "mamba";
        File.WriteAllText(Path.Combine(_dir, "config.json"), cfg.ToJsonString());
        Fails("model_type 'mamba' is not supported");
    }

    [Test]
    public void InvalidConfigField()
    {
        var cfg = TinyModels.Gpt2Config();
        cfg["n_head"] = 5;
        File.WriteAllText(Path.Combine(_dir, "config.json"), cfg.ToJsonString());
        Fails("n_embd 16 is not divisible by n_head 5");
        cfg["n_head"] = "four";
        File.WriteAllText(Path.Combine(_dir, "config.json"), cfg.ToJsonString());
        Fails("'n_head' should be an integer");
    }

    [Test]
    public void UnsupportedRopeScaling()
    {
        var cfg = TinyModels.LlamaConfig();
        cfg["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 };
        File.WriteAllText(Path.Combine(_dir, "config.json"), cfg.ToJsonString());
        Fails("rope_scaling type 'yarn' is not supported");
    }

    [Test]
    public void NoWeightsFile()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), TinyModels.Gpt2Config().ToJsonString());
        Fails("model.safetensors");
    }

    [Test]
    public void MissingTensorNamesKeyAndExpectedShape()
    {
        TinyModels.Write(_dir, TinyModels.Gpt2Config(), edit: t => t.Remove("h.1.mlp.c_fc.bias"));
        Fails("missing tensor 'h.1.mlp.c_fc.bias'", "[64]");
    }

    [Test]
    public void MisShapedTensorNamesBothShapes()
    {
        TinyModels.Write(_dir, TinyModels.LlamaConfig(), edit: t => t["model.layers.0.self_attn.k_proj.weight"] = Tensor.Zeros([16, 16]));
        Fails("model.layers.0.self_attn.k_proj.weight", "[16, 16]", "expected [8, 16]");
    }

    [Test]
    public void NaNWeights()
    {
        TinyModels.Write(_dir, TinyModels.Gpt2Config(), edit: t => t["ln_f.bias"] = Tensor.Full([16], double.NaN));
        Fails("ln_f.bias", "NaN");
    }

    [Test]
    public void TruncatedSafetensors()
    {
        TinyModels.Write(_dir, TinyModels.Gpt2Config());
        string path = Path.Combine(_dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Fails("model.safetensors");
    }

    [Test]
    public void ShardIndexNamingAMissingShard()
    {
        TinyModels.Write(_dir, TinyModels.Gpt2Config());
        Sharding.Split(_dir);
        File.Delete(Path.Combine(_dir, "model-00002-of-00002.safetensors"));
        Fails("model-00002-of-00002.safetensors", "does not exist");
    }
}
