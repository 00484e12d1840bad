// The tool's distributed edges through the real binary in child processes: `run` and `sweep` under bad launcher
// variables are exit 2 naming the variable before any work; `--dist-backend nccl` on a libtorch
// without NCCL, or on the CPU, is exit 2 saying what to do; `bench train --world-size 2` runs two ranks and reports
// their all-reduce time next to the single-process runs.
using System.Diagnostics;
using System.Text.Json.Nodes;
using InterpEval.Harness.Cli;
using InterpEval.Torch.Distributed;

namespace InterpEval.Harness.Tests.Distributed;

[NonParallelizable]
public class DistributedCommandsTests
{
    [TestCase("run", "MASTER_ADDR")]
    [TestCase("sweep", "RANK")]
    [TestCase("run", "SLURM_PROCID")]
    public void Run_and_sweep_under_bad_launcher_variables_are_exit_2_naming_the_variable(string command, string variable)
    {
        string dir = Directory.CreateTempSubdirectory("ie-dist-cmd-").FullName;
        try
        {
            var env = variable switch
            {
                "MASTER_ADDR" => new Dictionary<string, string> { ["WORLD_SIZE"] = "2", ["RANK"] = "0", ["MASTER_PORT"] = "29500" },
                "RANK" => new Dictionary<string, string> { ["WORLD_SIZE"] = "2", ["RANK"] = "one", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = "29500" },
                _ => new Dictionary<string, string> { ["SLURM_NTASKS"] = "4" },
            };
            string[] args = command == "sweep" ? ["sweep", "--widths", "32,64", "--tokens", "4096", "--out", Path.Combine(dir, "out")] : ["run", "--out", Path.Combine(dir, "out")];
            var (code, stdout, stderr) = ToolProcess.Run(args, env);
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1), stderr);
            Assert.That(stderr, Does.StartWith("interp-eval: ").And.Contain(variable == "RANK" ? "RANK is 'one'" : $"{variable} is not set"));
            Assert.That(Directory.Exists(Path.Combine(dir, "out")), Is.False, "nothing is written");
            Assert.That(stdout, Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Nccl_without_nccl_or_on_the_cpu_is_exit_2_saying_what_to_do()
    {
        var (code, _, stderr) = ToolProcess.Run(["train", "--kind", "sae", "--arch", "relu", "--width", "32", "--tokens", "2048", "--dist-backend", "nccl", "--out", Path.Combine(Path.GetTempPath(), "ie-never-written")]);
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stderr, Does.StartWith("interp-eval: --dist-backend nccl: ").And.Contain(ProcessGroup.HasNccl ? "--device cuda" : "built without NCCL"));

        var unknown = CliRunner.Run("train", "--kind", "sae", "--arch", "relu", "--width", "32", "--tokens", "2048", "--dist-backend", "mpi");
        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString());
        Assert.That(unknown.Stderr, Does.Contain("--dist-backend 'mpi' — expected gloo or nccl"));
    }

    [Test]
    public void Bench_train_world_size_2_runs_two_ranks_and_reports_their_communication()
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo");
        var (code, stdout, stderr) = ToolProcess.Run(["bench", "train", "--world-size", "2", "--d-in", "8", "--width", "32", "--batch", "16", "--steps", "3", "--json"], seconds: 90);
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();
        Assert.That(json["world_size"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(json["ranks"]!["processes"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(json["ranks"]!["threads_per_process"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["one_process_threaded"]!["threads_per_process"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(json["one_process_one_thread"]!["threads_per_process"]!.GetValue<int>(), Is.EqualTo(1));
        double comm = json["ranks"]!["communication_seconds_per_step"]!.GetValue<double>();
        Assert.That(comm, Is.GreaterThan(0), "the ranks all-reduce their gradients");
        Assert.That(json["one_process_threaded"]!["communication_seconds_per_step"]!.GetValue<double>(), Is.EqualTo(0));
        double share = json["communication_share"]!.GetValue<double>();
        Assert.That(share, Is.GreaterThan(0).And.LessThanOrEqualTo(1));
        double eff = json["scaling_efficiency"]!.GetValue<double>();
        Assert.That(eff, Is.EqualTo(json["one_process_one_thread"]!["seconds_per_step"]!.GetValue<double>() / (2 * json["ranks"]!["seconds_per_step"]!.GetValue<double>())).Within(1e-9));
    }

    [Test]
    public void Bench_train_world_size_with_a_batch_that_does_not_split_is_exit_2()
    {
        var r = CliRunner.Run("bench", "train", "--world-size", "3", "--d-in", "8", "--width", "32", "--batch", "16", "--steps", "1");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("--batch 16 does not split evenly over --world-size 3"));
    }
}
