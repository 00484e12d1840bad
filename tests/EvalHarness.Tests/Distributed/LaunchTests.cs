// `launch` and data-parallel `train` through the real tool in child processes: two ranks train and only rank 0 writes;
// `--shard latents` trains two slices that equal one process;
// a missing MASTER_ADDR, a port in use and options that differ across ranks are exit 2 with one line naming the
// variable or the options.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InterpEval.Harness.Cli;

namespace InterpEval.Harness.Tests.Distributed;

[NonParallelizable]
public class LaunchTests
{
    private static readonly string[] Train = ["train", "--kind", "sae", "--arch", "relu", "--width", "32", "--tokens", "2048", "--batch", "256", "--threads", "1"];

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        if (!InterpEval.Torch.Distributed.ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        _dir = Directory.CreateTempSubdirectory("ie-launch-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Launch_trains_on_two_ranks_and_only_rank_0_writes()
    {
        string outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Run(["launch", "--nproc", "2", "--", .. Train, "--out", outDir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(File.Exists(Path.Combine(outDir, "sae_weights.safetensors")), r.ToString());
        Assert.That(r.Stdout, Does.Contain("8 steps, 2,048 tokens"), "the token count is the job's (both ranks)");
        Assert.That(r.Stdout, Does.Not.Contain("[rank 1]"), "rank 1 trains silently");
    }

    [Test]
    public void Launch_with_shard_latents_trains_slices_that_equal_one_process()
    {
        string[] topk = ["train", "--kind", "sae", "--arch", "topk", "--k", "4", "--width", "32", "--tokens", "2048", "--batch", "256", "--threads", "1"];
        string sharded = Path.Combine(_dir, "sharded"), alone = Path.Combine(_dir, "alone");
        var r = CliRunner.Run(["launch", "--nproc", "2", "--", .. topk, "--shard", "latents", "--out", sharded]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("latent sharded: 2 ranks (gloo), 16 of 32 latents per rank").And.Contain("8 steps, 2,048 tokens"), r.ToString());
        Assert.That(Directory.Exists(Path.Combine(sharded, "checkpoints")), Is.False, "each slice checkpoints under shards/rank-R");
        foreach (int rank in new[] { 0, 1 })
            Assert.That(InterpEval.Interp.Training.DictionaryTrainer.LatestCheckpointStep(Path.Combine(sharded, "shards", $"rank-{rank}")), Is.EqualTo(8), r.ToString());
        var one = CliRunner.Run([.. topk, "--out", alone]);
        Assert.That(one.ExitCode, Is.EqualTo(0), one.ToString());
        using var a = InterpEval.Interp.Dictionaries.SparseDictionary.Load(sharded, InterpEval.Torch.Device.Cpu);
        using var b = InterpEval.Interp.Dictionaries.SparseDictionary.Load(alone, InterpEval.Torch.Device.Cpu);
        Assert.That(a.DSae, Is.EqualTo(32), "one ordinary directory holds every latent");
        double worst = new[] { (a.WEnc, b.WEnc), (a.BEnc, b.BEnc), (a.WDec, b.WDec), (a.BDec, b.BDec) }
            .Max(p => p.Item1.ToArray<float>().Zip(p.Item2.ToArray<float>()).Max(q => Math.Abs(q.First - q.Second)));
        Assert.That(worst, Is.LessThan(1e-5), "the sharded run trains the same dictionary as one process on the same stream (LatentShardedTrainingTests' bound)");
    }

    [Test]
    public void World_size_without_master_addr_is_exit_2_naming_it()
    {
        var (code, _, stderr) = ToolProcess.Run([.. Train, "--out", Path.Combine(_dir, "o")], new Dictionary<string, string> { ["RANK"] = "0", ["WORLD_SIZE"] = "2", ["MASTER_PORT"] = "29500" });
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stderr, Does.StartWith("interp-eval: ").And.Contain("MASTER_ADDR is not set"));
    }

    [Test]
    public void A_master_port_in_use_is_exit_2_naming_it()
    {
        var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        try
        {
            string port = ((IPEndPoint)blocker.LocalEndpoint).Port.ToString();
            var env = new Dictionary<string, string> { ["RANK"] = "0", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port, ["IE_DIST_TIMEOUT"] = "5" };
            var (code, _, stderr) = ToolProcess.Run([.. Train, "--out", Path.Combine(_dir, "o")], env);
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1), stderr);
            Assert.That(stderr, Does.Contain($"MASTER_PORT {port}"));

            var launched = CliRunner.Run(["launch", "--nproc", "2", "--master-port", port, "--", .. Train]);
            Assert.That(launched.ExitCode, Is.EqualTo(2), launched.ToString());
            Assert.That(launched.Stderr, Does.Contain($"--master-port {port} (MASTER_PORT) is in use"));
        }
        finally
        {
            blocker.Stop();
        }
    }

    [Test]
    public void Options_that_differ_across_ranks_are_exit_2_on_every_rank()
    {
        string port;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        port = ((IPEndPoint)probe.LocalEndpoint).Port.ToString();
        probe.Stop();
        Dictionary<string, string> Env(int rank) => new() { ["RANK"] = rank.ToString(), ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port, ["IE_DIST_TIMEOUT"] = "20" };
        var p0 = ToolProcess.Start([.. Train, "--out", Path.Combine(_dir, "o")], Env(0));
        var p1 = ToolProcess.Start([.. Train.Select(a => a == "32" ? "64" : a), "--out", Path.Combine(_dir, "o")], Env(1));
        var r0 = ToolProcess.Finish(p0);
        var r1 = ToolProcess.Finish(p1);
        foreach (var (code, _, stderr) in new[] { r0, r1 })
        {
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr, Does.Contain("rank 1's options differ from rank 0's").And.Contain("--width 64"));
        }
    }
}
