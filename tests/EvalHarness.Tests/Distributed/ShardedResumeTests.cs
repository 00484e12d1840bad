// `train --shard latents --resume` at another world size through the real tool: a run of two ranks (launch), stopped
// after step 4, resumes in one process from both slices' checkpoints and ends at the uninterrupted run's weights; with
// one old slice missing from --out it is exit 2 naming the missing folder; an architecture it cannot split is exit 2.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Harness.Tests.Distributed;

[NonParallelizable]
public class ShardedResumeTests
{
    private static readonly string[] Topk = ["train", "--kind", "sae", "--arch", "topk", "--k", "4", "--width", "48", "--tokens", "2048", "--batch", "256",
        "--threads", "1", "--shard", "latents", "--checkpoint-every", "4"];

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        if (!InterpEval.Torch.Distributed.ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        _dir = Directory.CreateTempSubdirectory("ie-shard-resume-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static float[][] Weights(string dir)
    {
        using var d = SparseDictionary.Load(dir, InterpEval.Torch.Device.Cpu);
        return [d.WEnc.ToArray<float>(), d.BEnc.ToArray<float>(), d.WDec.ToArray<float>(), d.BDec.ToArray<float>()];
    }

    [Test]
    public void Shard_latents_with_an_architecture_it_cannot_split_is_exit_2_naming_those_it_can()
    {
        var r = CliRunner.Run(["train", "--kind", "sae", "--arch", "matryoshka-batchtopk", "--k", "4", "--width", "48", "--tokens", "2048", "--batch", "256",
            "--threads", "1", "--shard", "latents", "--out", Path.Combine(_dir, "m")]);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("--shard latents: latent-sharded training supports --arch topk, batchtopk, relu, jumprelu and gated, not matryoshka-batchtopk"), r.ToString());
    }

    [Test]
    public void Two_ranks_resume_in_one_process_and_a_missing_slice_is_exit_2()
    {
        string outDir = Path.Combine(_dir, "out");
        string Step(int rank, int step) => TrainingCheckpoint.PathFor(LatentShardResume.RankDirectory(outDir, rank), step);
        var launched = CliRunner.Run(["launch", "--nproc", "2", "--", .. Topk, "--out", outDir]);
        Assert.That(launched.ExitCode, Is.EqualTo(0), launched.ToString());
        var uninterrupted = Weights(outDir);
        Directory.Delete(Step(0, 8), recursive: true);
        Directory.Delete(Step(1, 8), recursive: true);                                       // as if stopped after step 4

        var resumed = CliRunner.Run([.. Topk, "--out", outDir, "--resume"]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(resumed.Stdout, Does.Contain("latent sharded: 1 rank (gloo), 48 of 48 latents per rank").And.Contain("8 steps, 2,048 tokens"), resumed.ToString());
        Assert.That(Directory.Exists(Step(0, 8)), "the one rank checkpoints its slice (all 48 latents) under shards/rank-0");
        var after = Weights(outDir);
        double worst = after.Zip(uninterrupted).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
        TestContext.Out.WriteLine($"2 ranks to step 4, resumed in one process: max |Δw| {worst:G3} vs the uninterrupted 2-rank run");
        Assert.That(worst, Is.LessThan(1e-5), "resumed at another world size, the run ends at the uninterrupted run's weights (LatentShardedTrainingTests' bound)");

        Directory.Delete(Step(0, 8), recursive: true);
        Directory.Move(LatentShardResume.RankDirectory(outDir, 1), Path.Combine(_dir, "elsewhere"));   // rank 1's slice on another machine
        var refused = CliRunner.Run([.. Topk, "--out", outDir, "--resume"]);
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.ToString());
        Assert.That(refused.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), refused.Stderr);
        Assert.That(refused.Stderr, Does.StartWith("interp-eval: ").And.Contain(Path.Combine(LatentShardResume.RankDirectory(outDir, 1), "checkpoints") + ": no checkpoint of rank 1's slice of 2")
            .And.Contain("needs every old slice in one --out"), refused.ToString());
    }
}
