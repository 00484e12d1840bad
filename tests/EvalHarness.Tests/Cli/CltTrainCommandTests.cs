// `interp-eval train --kind clt` on the embedded model: a short relu run saves a loadable cross-layer transcoder in
// circuit-tracer's layout (one encoder and one decoder file per layer, cfg.json) with the summary line; options a clt
// does not take are one line with exit 2.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Harness.Tests.Cli;

public class CltTrainCommandTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = Path.Combine(Path.GetTempPath(), "ie-train-clt-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void Remove()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string[] Short(string arch) =>
        ["train", "--kind", "clt", "--arch", arch, "--width", "32", "--tokens", "2048", "--batch", "512", "--lr", "3e-3", "--checkpoint-every", "0", "--out", _dir];

    [Test]
    public void TrainsACltOnTheEmbeddedModelAndSavesCircuitTracersLayout()
    {
        var r = CliRunner.Run(Short("relu"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string summary = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.That(summary, Does.StartWith("clt-relu-32: 4 steps, 2,048 tokens").And.Contain("saved to " + _dir));
        using var clt = CrossLayerTranscoder.Load(_dir, device: InterpEval.Torch.Device.Cpu);
        Assert.That((clt.NLayers, clt.DModel, clt.DSae), Is.EqualTo((4, 128, 32)));
        Assert.That(clt.Config.InputHookName(3), Is.EqualTo("blocks.3.hook_resid_mid"));
        Assert.That(clt.Config.NormalizeActivations, Is.EqualTo(DictionaryConfig.NormalizeNone), "scales folded on save");
        Assert.That(clt.WeightsAreFinite());
        for (int l = 0; l < 4; l++)
            Assert.That(File.Exists(Path.Combine(_dir, $"W_enc_{l}.safetensors")) && File.Exists(Path.Combine(_dir, $"W_dec_{l}.safetensors")), $"layer {l}");
    }

    [TestCase("batchtopk", "--arch 'batchtopk' is not supported for a clt")]
    [TestCase("relu --hook blocks.0.hook_resid_pre", "--hook/--hook-out")]
    [TestCase("relu --k 4", "--k applies to topk")]
    public void OptionsACltDoesNotTakeAreOneLineAndExit2(string arch, string expected)
    {
        var parts = arch.Split(' ');
        var r = CliRunner.Run([.. Short(parts[0]), .. parts[1..]]);
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(expected));
    }
}
