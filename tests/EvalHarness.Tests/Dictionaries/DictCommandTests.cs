// `dict encode|decode|info` on tiny dictionaries saved by the test: outputs equal the library's Encode/Decode on the
// same rows (float16 input included), info reports what the directory holds, and every bad input is one line, exit 2.
using System.Text.Json;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Tests.Dictionaries;

public class DictCommandTests
{
    private string _dir = null!;
    private DisposeScope _scope = null!;

    [SetUp]
    public void Open()
    {
        _scope = DisposeScope.Enter();
        _dir = Path.Combine(Path.GetTempPath(), "ie-dictcmd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void Close()
    {
        _scope.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static DictionaryConfig Config(string arch, int? k = null) => new()
    {
        Architecture = arch, DIn = 6, DSae = 20, K = k, ModelName = "tiny", HookName = "blocks.0.hook_resid_post",
    };

    private string Save(string arch, int? k = null, bool withDensity = false)
    {
        string d = Path.Combine(_dir, arch);
        using var dict = DictionaryRegistry.Create(Config(arch, k), seed: 5, device: Device.Cpu);
        using (Autograd.NoGrad()) dict.BEnc.Add_(0.1);               // some latents fire on random input
        if (withDensity)
            dict.LogFeatureDensity = Tensor.From(Enumerable.Range(0, 20).Select(i => i < 3 ? -10f : i < 5 ? -0.5f : -3f).ToArray()).DetachFromScopes();
        dict.Save(d);
        return d;
    }

    private string Write(string name, string key, Tensor t)
    {
        string path = Path.Combine(_dir, name);
        SafeTensorsWriter.Write(path, [KeyValuePair.Create(key, t)]);
        return path;
    }

    [TestCase("relu", null, ScalarType.Float32)]
    [TestCase("topk", 3, ScalarType.Float16)]
    [TestCase("jumprelu", null, ScalarType.Float64)]
    public void EncodeAndDecodeMatchTheLibrary(string arch, int? k, ScalarType dtype)
    {
        string d = Save(arch, k);
        using var gen = new Generator(8);
        var x = Tensor.Randn([7, 6], gen).To(dtype);                                          // [N, d_in]
        string input = Write("acts.safetensors", "activations", x);
        string feats = Path.Combine(_dir, "feats.safetensors");
        var r = CliRunner.Run("dict", "encode", "--dict", d, "--input", input, "--out", feats);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());

        using var dict = SparseDictionary.Load(d, device: Device.Cpu);
        var expected = dict.Encode(x.To(ScalarType.Float32));                                  // [N, d_sae]
        var got = SafeTensorsFile.LoadAll(feats)["feature_acts"];
        Assert.That(got.Dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(got.Shape, Is.EqualTo(new long[] { 7, 20 }));
        Assert.That((got - expected).Abs().Max().ToDouble(), Is.LessThan(1e-6));
        Assert.That(got.Ne(0).Sum().ToInt64(), Is.GreaterThan(0), "something fires, so the comparison means something");

        string recon = Path.Combine(_dir, "recon.safetensors");
        r = CliRunner.Run("dict", "decode", "--dict", d, "--input", feats, "--out", recon);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var y = SafeTensorsFile.LoadAll(recon)["activations"];
        Assert.That((y - dict.Decode(expected)).Abs().Max().ToDouble(), Is.LessThan(1e-5));
    }

    [Test]
    public void InfoReportsWidthsParametersNormsAndDensity()
    {
        string d = Save("topk", k: 3, withDensity: true);
        var r = CliRunner.Run("dict", "info", "--dict", d, "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.That(root.GetProperty("architecture").GetString(), Is.EqualTo("topk"));
        Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo("sae"));
        Assert.That(root.GetProperty("k").GetInt32(), Is.EqualTo(3));
        Assert.That(root.GetProperty("d_sae").GetInt32(), Is.EqualTo(20));
        Assert.That(root.GetProperty("parameters").GetInt64(), Is.EqualTo(6 * 20 + 20 + 20 * 6 + 6));
        var norms = root.GetProperty("decoder_norms");
        Assert.That(norms.GetProperty("min").GetDouble(), Is.EqualTo(1).Within(1e-5), "topk starts with unit-norm rows");
        Assert.That(norms.GetProperty("max").GetDouble(), Is.EqualTo(1).Within(1e-5));
        var density = root.GetProperty("density");
        Assert.That(density.GetProperty("dead").GetInt32(), Is.EqualTo(3));
        Assert.That(density.GetProperty("dense").GetInt32(), Is.EqualTo(2));
        Assert.That(density.GetProperty("median_log10_density").GetDouble(), Is.EqualTo(-3).Within(1e-6));
        var files = root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToArray();
        Assert.That(files, Is.EquivalentTo(new[] { "cfg.json", "sae_weights.safetensors", "sparsity.safetensors" }));

        var table = CliRunner.Run("dict", "info", "--dict", d);
        Assert.That(table.ExitCode, Is.EqualTo(0), table.ToString());
        Assert.That(table.Stdout, Does.Contain("decoder_norms").And.Contain("sparsity.safetensors"));
    }

    [Test]
    public void InfoShowsAJumpReluThreshold()
    {
        var r = CliRunner.Run("dict", "info", "--dict", Save("jumprelu"), "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var threshold = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("threshold");
        Assert.That(threshold.GetProperty("mean").GetDouble(), Is.EqualTo(InterpEval.Interp.Dictionaries.JumpReluDictionary.DefaultThresholdInit).Within(1e-6), "JumpRelu's initial threshold");
    }

    [Test]
    public void BadInputsAreOneLineExit2()
    {
        string d = Save("relu");
        string outPath = Path.Combine(_dir, "o.safetensors");
        var cases = new (string[] Args, string Expect)[]
        {
            (["dict", "encode", "--dict", d, "--input", Write("a.safetensors", "acts", Tensor.Zeros([2, 6])), "--out", outPath], "no tensor 'activations'"),
            (["dict", "encode", "--dict", d, "--input", Write("b.safetensors", "activations", Tensor.Zeros([2, 5])), "--out", outPath], "[N, 6]"),
            (["dict", "encode", "--dict", d, "--input", Write("c.safetensors", "activations", Tensor.Zeros([2, 6], ScalarType.Int64)), "--out", outPath], "floating-point"),
            (["dict", "encode", "--dict", d, "--input", Write("e.safetensors", "activations", Tensor.Zeros([6])), "--out", outPath], "[N, 6]"),
            (["dict", "decode", "--dict", d, "--input", Write("d.safetensors", "feature_acts", Tensor.Zeros([2, 6])), "--out", outPath], "[N, 20]"),
            (["dict", "encode", "--dict", Path.Combine(_dir, "nope"), "--input", Path.Combine(_dir, "a.safetensors"), "--out", outPath], "does not exist"),
            (["dict", "encode", "--dict", d, "--input", Path.Combine(_dir, "missing.safetensors"), "--out", outPath], "does not exist"),
            (["dict", "info", "--dict", Path.Combine(_dir, "nope")], "does not exist"),
        };
        foreach (var (args, expect) in cases)
        {
            var r = CliRunner.Run(args);
            Assert.That(r.ExitCode, Is.EqualTo(2), $"{string.Join(' ', args)}\n{r}");
            Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
            Assert.That(r.Stderr, Does.Contain(expect), r.ToString());
        }
        Assert.That(File.Exists(outPath), Is.False, "nothing written on a bad input");
    }
}
