// `interp-eval train` as a user runs it on the embedded model: a short transcoder run that saves a loadable
// dictionary with the summary line, a resume from its checkpoint, and bad options as one line with exit 2.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Harness.Tests.Cli;

public class TrainCommandTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => _dir = Path.Combine(Path.GetTempPath(), "ie-train-cli-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void Remove()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Short =
        ["train", "--kind", "transcoder", "--arch", "topk", "--width", "64", "--k", "8", "--tokens", "4096", "--batch", "512", "--lr", "3e-3", "--checkpoint-every", "4"];

    [Test]
    public void TrainsOnTheEmbeddedModelSavesAndResumes()
    {
        var r = CliRunner.Run([.. Short, "--out", _dir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string summary = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.That(summary, Does.StartWith("transcoder-topk-blocks.2.ln2.hook_normalized: 8 steps, 4,096 tokens").And.Contain("saved to " + _dir));
        Assert.That(r.Stdout, Does.Contain("step 8/8"));
        using (var d = SparseDictionary.Load(_dir, device: InterpEval.Torch.Device.Cpu))
        {
            Assert.That(d.Config.HookName, Is.EqualTo("blocks.2.ln2.hook_normalized"));
            Assert.That(d.Config.HookNameOut, Is.EqualTo("blocks.2.hook_mlp_out"));
            Assert.That(d.Kind, Is.EqualTo(DictionaryKind.Transcoder));
            Assert.That(d.DSae, Is.EqualTo(64));
            Assert.That(d.LogFeatureDensity, Is.Not.Null);
        }
        Assert.That(DictionaryTrainer.LatestCheckpointStep(_dir), Is.EqualTo(8));

        var again = CliRunner.Run([.. Short, "--out", _dir]);
        Assert.That(again.ExitCode, Is.EqualTo(2), again.ToString());
        Assert.That(again.Stderr, Does.Contain("--resume"));

        Directory.Delete(TrainingCheckpoint.PathFor(_dir, 8), recursive: true);
        var resumed = CliRunner.Run([.. Short, "--out", _dir, "--resume"]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(resumed.Stdout, Does.Not.Contain("step 4/8").And.Contain("step 8/8"), "resumed after the step-4 checkpoint");
    }

    [TestCase("--kind", "pca", "--kind 'pca'")]
    [TestCase("--arch", "pca", "--arch 'pca'")]
    [TestCase("--width", "0", "--width")]
    [TestCase("--hook", "blocks.9.hook_resid_post", "blocks.9.hook_resid_post")]
    [TestCase("--l1", "2", "--l1 applies to relu, jumprelu and gated")]
    [TestCase("--lr", "-1", "--lr")]
    [TestCase("--decay", "step", "--decay")]
    public void BadOptionsAreOneLineAndExit2(string option, string value, string expected)
    {
        string[] args = ["train", "--kind", "sae", "--arch", "topk", "--width", "64", "--tokens", "1024", "--out", _dir];
        int i = Array.IndexOf(args, option);
        args = i >= 0 ? [.. args[..(i + 1)], value, .. args[(i + 2)..]] : [.. args, option, value];
        var r = CliRunner.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(expected));
    }
}
