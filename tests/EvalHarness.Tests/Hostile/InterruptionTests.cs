// InterruptionTests — real signals on the built tool in a child process (`dotnet InterpEval.dll …`, next to this test
// assembly): SIGKILL at seeded random moments during `run --update-baselines`, during checkpoint writes and during a
// history append leaves every kept file the old or the new version, never torn; SIGINT during `train` then --resume
// reaches the same final weights, byte for byte, as a run never interrupted. Tiny configs keep each child a few seconds.
using System.Diagnostics;
using System.Runtime.InteropServices;
using InterpEval.Harness.Baselines;
using InterpEval.Interp.Training;
using Microsoft.Data.Sqlite;

namespace InterpEval.Harness.Tests.Hostile;

[TestFixture]
[NonParallelizable]
public sealed partial class InterruptionTests
{
    private const int SigInt = 2;

    private string _dir = "";
    private readonly Random _random = new(20261203);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Ignore("POSIX signals");
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-signal-" + Guid.NewGuid().ToString("N")[..8]));
        File.WriteAllText(Path.Combine(_dir, "config.json"), HostileFiles.RunConfig);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Tool => Path.Combine(TestContext.CurrentContext.TestDirectory, "InterpEval.dll");

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Tool);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["IE_DEBUG"] = "0";
        return Process.Start(info)!;
    }

    /// <summary>Runs to the end; returns the exit code and the seconds it took.</summary>
    private static (int Code, double Seconds, string Output) Complete(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using Process p = Start(args);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "finished");
        return (p.ExitCode, clock.Elapsed.TotalSeconds, stdout.Result + stderr.Result);
    }

    /// <summary>Starts the command and SIGKILLs it after `seconds`; true when the kill came before it finished.</summary>
    private static bool KillAfter(double seconds, params string[] args)
    {
        using Process p = Start(args);
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        bool finished = p.WaitForExit(TimeSpan.FromSeconds(seconds));
        if (!finished) p.Kill();
        p.WaitForExit();
        return !finished;
    }

    private string[] RunArgs(string baseline, string history, ulong seed, params string[] extra) =>
    [
        "run", "--config", Path.Combine(_dir, "config.json"), "--baselines", baseline, "--out", Path.Combine(_dir, "out"),
        "--set", $"cache_dir={Path.Combine(_dir, "cache")}", "--set", $"history={history}", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--threads", "1", .. extra,
    ];

    [Test]
    public void Sigkill_during_a_baseline_update_leaves_the_old_or_the_new_file()
    {
        string baseline = Path.Combine(_dir, "baseline.json");
        var (code, seconds, output) = Complete(RunArgs(baseline, "", 1, "--update-baselines"));
        Assert.That(code, Is.EqualTo(0), output);
        string old = File.ReadAllText(baseline);
        var keys = BaselineFile.Read(baseline).Entries.Keys.ToHashSet();
        int kills = 0;
        for (ulong seed = 2; seed < 6; seed++)
        {
            double at = seconds * (0.5 + 0.6 * _random.NextDouble());
            if (KillAfter(at, RunArgs(baseline, "", seed, "--update-baselines"))) kills++;
            string now = File.ReadAllText(baseline);
            if (now != old)
            {
                Baseline read = BaselineFile.Read(baseline);                                  // the new version, complete
                Assert.That(read.Entries.Keys, Is.EquivalentTo(keys), "the new version holds every metric");
                old = now;
            }
        }
        Assert.That(kills, Is.GreaterThan(0), "at least one child was killed mid-run");
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty.Or.All.Contain(".baseline.json."), "only a killed writer's temp file may remain");
    }

    [Test]
    public void Sigkill_during_checkpoint_writes_leaves_whole_checkpoints_and_resume_works()
    {
        string outDir = Path.Combine(_dir, "trained");
        string[] Train(string dir) => ["train", "--kind", "sae", "--arch", "relu", "--width", "32", "--tokens", "8192", "--batch", "256",
            "--checkpoint-every", "1", "--out", dir, "--threads", "1"];
        string[] train = Train(outDir);
        var (_, seconds, _) = Complete(Train(Path.Combine(_dir, "timing")));
        for (int i = 0; i < 2; i++)
        {
            KillAfter(seconds * (0.4 + 0.5 * _random.NextDouble()), i == 0 ? train : [.. train, "--resume"]);
            foreach (string step in Directory.Exists(Path.Combine(outDir, TrainingCheckpoint.Folder))
                         ? Directory.GetDirectories(Path.Combine(outDir, TrainingCheckpoint.Folder), "step-*") : [])
            {
                if (step.Contains(".partial-", StringComparison.Ordinal)) continue;   // never picked by Latest
                var c = TrainingCheckpoint.Read(step);                                // complete: trainer.json and every tensor file
                foreach (var t in c.Dictionaries.SelectMany(d => d.Tensors.Values)) t.Dispose();
            }
        }
        var resumed = Complete(TrainingCheckpoint.Latest(outDir) is null ? train : [.. train, "--resume"]);
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Output);
    }

    [Test]
    public void Sigkill_during_history_appends_leaves_whole_runs()
    {
        string history = Path.Combine(_dir, "history.db");
        string baseline = Path.Combine(_dir, "baseline.json");
        var (code, seconds, output) = Complete(RunArgs(baseline, history, 1, "--update-baselines"));
        Assert.That(code, Is.EqualTo(0), output);
        for (int i = 0; i < 3; i++)
        {
            KillAfter(seconds * (0.5 + 0.6 * _random.NextDouble()), RunArgs(baseline, history, 1));
            using var c = new SqliteConnection($"Data Source={history};Mode=ReadOnly;Pooling=False");
            c.Open();
            using SqliteCommand check = c.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            Assert.That(check.ExecuteScalar(), Is.EqualTo("ok"));
            check.CommandText = "SELECT count(*) FROM runs WHERE (SELECT count(*) FROM metrics WHERE metrics.run = runs.id) = 0;";
            Assert.That(check.ExecuteScalar(), Is.EqualTo(0L), "every run row has its metrics: one transaction");
        }
    }

    [Test]
    public void Sigint_during_train_then_resume_gives_the_same_weights_as_an_uninterrupted_run()
    {
        string[] train = ["train", "--kind", "sae", "--arch", "topk", "--width", "32", "--k", "4", "--tokens", "65536", "--batch", "256",
            "--checkpoint-every", "32", "--threads", "1", "--seed", "4"];
        string straight = Path.Combine(_dir, "straight"), interrupted = Path.Combine(_dir, "interrupted");
        var full = Complete([.. train, "--out", straight]);
        Assert.That(full.Code, Is.EqualTo(0), full.Output);

        using (Process p = Start([.. train, "--out", interrupted]))
        {
            _ = p.StandardError.ReadToEndAsync();
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null && !line.Contains("step ", StringComparison.Ordinal)) { }
            Assert.That(line, Is.Not.Null, "training reported a step before it ended");
            Assert.That(Kill(p.Id, SigInt), Is.Zero);
            _ = p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(TimeSpan.FromMinutes(2)), Is.True);
            Assert.That(p.ExitCode, Is.EqualTo(130), "interrupted, with a checkpoint");
        }
        Assert.That(File.Exists(Path.Combine(interrupted, "sae_weights.safetensors")), Is.False, "stopped before the end");
        var resumed = Complete([.. train, "--out", interrupted, "--resume"]);
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Output);
        Assert.That(File.ReadAllBytes(Path.Combine(interrupted, "sae_weights.safetensors")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "sae_weights.safetensors"))), "bit-identical final weights");
    }
}
