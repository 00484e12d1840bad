// `run` and `sweep` as data-parallel jobs through the real tool in child processes (`launch --nproc 2`, Gloo on
// 127.0.0.1): every rank trains the dictionaries together and rank 0 alone evaluates and writes; the dictionary `run`
// trains on 2 ranks is byte for byte the one `launch --nproc 2 -- train` trains with the same settings, and differs from
// one process's (which is why the cache key carries the world size); ranks given different options or different config
// files behind the same path, or left waiting by a rank 0 that failed before training, exit 2 naming the cause; a sweep
// on 2 ranks writes its outputs once.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InterpEval.Harness.Cli;

namespace InterpEval.Harness.Tests.Distributed;

[NonParallelizable]
public class DataParallelRunTests
{
    // relu: 6 steps of 256 tokens (128 per rank), a width of 32 — seconds, not minutes
    private const string Config = """
    {
      "profile": "smoke",
      "seed": 3,
      "suites": ["sparsity"],
      "eval": { "tokens": 512, "context_length": 128, "sequences_per_batch": 4 },
      "training": { "steps": 6, "batch_tokens": 256, "learning_rate": 0.003, "stream_tokens": 4096, "context_length": 64, "buffer_tokens": 1024 },
      "dictionaries": [ { "id": "r", "kind": "sae", "architecture": "relu", "width": 32 } ]
    }
    """;

    // the same training through `train`'s flags (TrainRunRecipeTests' mapping: 6 × 256 tokens)
    private static readonly string[] Train = ["train", "--kind", "sae", "--arch", "relu", "--width", "32", "--tokens", "1536", "--batch", "256",
        "--lr", "3e-3", "--stream-tokens", "4096", "--context", "64", "--buffer-tokens", "1024", "--seed", "3", "--checkpoint-every", "0", "--threads", "1"];

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        if (!InterpEval.Torch.Distributed.ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        _dir = Directory.CreateTempSubdirectory("ie-dp-run-").FullName;
        File.WriteAllText(Path.Combine(_dir, "config.json"), Config);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string[] RunArgs(string outName, params string[] extra) =>
    [
        "run", "--config", Path.Combine(_dir, "config.json"), "--baselines", Path.Combine(_dir, outName + ".baseline.json"), "--out", Path.Combine(_dir, outName),
        "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", "history=", "--threads", "1", .. extra,
    ];

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Test]
    public void Launch_run_trains_on_two_ranks_like_launch_train_and_only_rank_0_writes()
    {
        string cache = Path.Combine(_dir, "cache");
        var r = CliRunner.Run(["launch", "--nproc", "2", "--", .. RunArgs("out", "--update-baselines")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stderr, Does.Contain("r: data parallel: 2 ranks (gloo), 6 gradient all-reduces"), "one all-reduce per step, all 6 steps: the gradients were averaged");
        Assert.That(Count(r.Stdout, "baseline written: "), Is.EqualTo(1), r.ToString());
        Assert.That(Count(r.Stdout, "results: "), Is.EqualTo(1), r.ToString());
        Assert.That(r.Stdout + r.Stderr, Does.Not.Contain("[rank 1]"), "rank 1 trains silently and evaluates nothing");
        Assert.That(File.Exists(Path.Combine(_dir, "out", "results.json")), r.ToString());
        string entry = Directory.GetDirectories(cache, "r-*").Single();
        Assert.That(Directory.GetDirectories(cache, ".tmp-*"), Is.Empty, "no rank leaves a temp directory in the cache");

        string dp = Path.Combine(_dir, "train-dp");
        var t = CliRunner.Run(["launch", "--nproc", "2", "--", .. Train, "--out", dp]);
        Assert.That(t.ExitCode, Is.EqualTo(0), t.ToString());
        Assert.That(File.ReadAllBytes(Path.Combine(entry, "sae_weights.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dp, "sae_weights.safetensors"))),
            "run's data-parallel training is train's: same shares, same sync");
        Assert.That(File.ReadAllBytes(Path.Combine(entry, "sparsity.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dp, "sparsity.safetensors"))),
            "feature density summed over both ranks");

        // One process on the same settings: another data order, other weights — so it is another cache entry.
        var alone = CliRunner.Run(RunArgs("alone", "--update-baselines"));
        Assert.That(alone.ExitCode, Is.EqualTo(0), alone.ToString());
        Assert.That(alone.Stderr, Does.Contain("training r").And.Not.Contain("data parallel"), "a 2-rank entry is not a one-process cache hit");
        string single = Directory.GetDirectories(cache, "r-*").Single(d => d != entry);
        Assert.That(File.ReadAllBytes(Path.Combine(single, "sae_weights.safetensors")), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(entry, "sae_weights.safetensors"))),
            "each rank harvested only its share (a rank training alone on the whole stream would give one process's weights)");

        var again = CliRunner.Run(["launch", "--nproc", "2", "--", .. RunArgs("again", "--update-baselines")]);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Stderr, Does.Contain($"r: cached ({entry})").And.Not.Contain("training r"), "rank 0's cache hit is every rank's: nobody trains");
    }

    [Test]
    public void Launch_sweep_trains_on_two_ranks_and_writes_its_outputs_once()
    {
        string sweepConfig = Path.Combine(_dir, "sweep.json"), outDir = Path.Combine(_dir, "sweep");
        File.WriteAllText(sweepConfig, """{ "profile": "smoke", "eval": { "tokens": 512 }, "training": { "steps": 8, "batch_tokens": 256, "stream_tokens": 4096, "buffer_tokens": 1024 } }""");
        string[] sweep = ["sweep", "--config", sweepConfig, "--widths", "16,32", "--tokens", "512,1024", "--k", "4", "--suite", "reconstruction,sparsity",
            "--bootstrap", "20", "--out", outDir, "--threads", "1"];
        var r = CliRunner.Run(["launch", "--nproc", "2", "--", .. sweep]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(Count(r.Stdout, "4 points · "), Is.EqualTo(1), r.ToString());
        Assert.That(Count(r.Stdout, "results: "), Is.EqualTo(1), r.ToString());
        Assert.That(r.Stdout + r.Stderr, Does.Not.Contain("[rank 1]"), "rank 1 trains silently");
        Assert.That(r.Stderr, Does.Contain("512 tokens: data parallel: 2 ranks (gloo), 4 gradient all-reduces")
            .And.Contain("1024 tokens: data parallel: 2 ranks (gloo), 8 gradient all-reduces"), "two dictionaries a budget, one all-reduce per step each");
        foreach (string file in new[] { "points.csv", "fits.json", "fits.csv", "sweep.json", "report.html" })
            Assert.That(File.Exists(Path.Combine(outDir, file)), file);
        Assert.That(Directory.GetDirectories(Path.Combine(outDir, "points"), "topk-*").Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "topk-k4-w16-t512-s0", "topk-k4-w32-t512-s0", "topk-k4-w16-t1024-s0", "topk-k4-w32-t1024-s0" }));
        Assert.That(Directory.GetDirectories(Path.Combine(outDir, "points"), ".training-*"), Is.Empty);

        // The points were trained by 2 ranks: one process does not resume them as its own.
        var alone = CliRunner.Run([.. sweep]);
        Assert.That(alone.ExitCode, Is.EqualTo(0), alone.ToString());
        Assert.That(alone.Stderr, Does.Contain("made under other settings — starting over"), alone.ToString());
    }

    [Test]
    public void Run_ranks_given_different_options_exit_2_on_every_rank()
    {
        string port = FreePort();
        var p0 = ToolProcess.Start(RunArgs("o", "--update-baselines"), Env(0, port));
        var p1 = ToolProcess.Start(RunArgs("o", "--update-baselines", "--seed", "4"), Env(1, port));
        foreach (var (code, _, stderr) in new[] { ToolProcess.Finish(p0), ToolProcess.Finish(p1) })
        {
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1), stderr);
            Assert.That(stderr, Does.Contain("rank 1's options differ from rank 0's").And.Contain("--seed 4"));
        }
        Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "nothing is written");
    }

    [Test]
    public void Run_ranks_whose_config_files_differ_behind_the_same_path_exit_2_on_every_rank()
    {
        string port = FreePort();
        string a = Directory.CreateDirectory(Path.Combine(_dir, "machine-a")).FullName, b = Directory.CreateDirectory(Path.Combine(_dir, "machine-b")).FullName;
        File.WriteAllText(Path.Combine(a, "config.json"), Config);
        File.WriteAllText(Path.Combine(b, "config.json"), Config.Replace("\"width\": 32", "\"width\": 64"));
        string[] args = ["run", "--config", "config.json", "--update-baselines", "--out", "o", "--set", "history=", "--threads", "1"];
        var p0 = ToolProcess.Start(args, Env(0, port), a);
        var p1 = ToolProcess.Start(args, Env(1, port), b);
        foreach (var (code, _, stderr) in new[] { ToolProcess.Finish(p0), ToolProcess.Finish(p1) })
        {
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr, Does.Contain("rank 1's options differ from rank 0's").And.Contain("(config sha256 "));
        }
    }

    [Test]
    public void A_rank_0_that_fails_before_training_stops_the_others_with_its_reason()
    {
        string port = FreePort();
        var p0 = ToolProcess.Start(RunArgs("o"), Env(0, port));                                          // no baseline to gate on: exit 2
        var p1 = ToolProcess.Start(RunArgs("o"), Env(1, port));
        var r0 = ToolProcess.Finish(p0);
        var r1 = ToolProcess.Finish(p1);
        Assert.That(r0.Code, Is.EqualTo(2), r0.Stderr);
        Assert.That(r0.Stderr, Does.Contain("baseline file not found"));
        Assert.That(r1.Code, Is.EqualTo(2), r1.Stderr);
        Assert.That(r1.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), r1.Stderr);
        Assert.That(r1.Stderr, Does.StartWith("interp-eval: rank 0 stopped before training: ").And.Contain("baseline file not found"),
            "rank 1 does not wait out the timeout");
    }

    private static Dictionary<string, string> Env(int rank, string port) => new()
    {
        ["RANK"] = rank.ToString(), ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port, ["IE_DIST_TIMEOUT"] = "30",
    };

    private static string FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        string port = ((IPEndPoint)probe.LocalEndpoint).Port.ToString();
        probe.Stop();
        return port;
    }
}
