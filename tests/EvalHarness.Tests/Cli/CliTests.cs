// The CLI's contract as a user and CI see it: help, version, usage errors as one line with exit 2, global options
// reaching libtorch, run as a placeholder.
using System.Text.RegularExpressions;
using InterpEval.Harness.Tool;
using InterpEval.Torch;

namespace InterpEval.Harness.Tests.Cli;

public class CliTests
{
    [Test]
    public void HelpListsTheCommandsAndGlobalOptions()
    {
        CliResult r = CliRunner.Run("--help");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Match(@"(?m)^\s+run\s+\S"), "run is listed");
        Assert.That(r.Stdout, Does.Match(@"(?m)^\s+bench\s+\S"), "bench is listed");
        Assert.That(r.Stdout, Does.Contain("--threads").And.Contain("--device"));
        Assert.That(r.Stdout, Does.Contain("Usage:\n  interp-eval"), "help names the tool, not the test host");
        Assert.That(r.Stderr, Is.Empty);
    }

    [Test]
    public void NoCommandShowsHelp()
    {
        CliResult r = CliRunner.Run();
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("Usage:"));
    }

    [Test]
    public void VersionPrintsToolAndLibtorchVersions()
    {
        CliResult r = CliRunner.Run("--version");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), r.Stdout);
        Assert.That(lines[0], Does.Match(@"^interp-eval \d+\.\d+\.\d+"));
        Assert.That(lines[1], Is.EqualTo("libtorch " + TorchRuntime.Version));
        Assert.That(TorchRuntime.Version, Does.Match(@"^\d+\.\d+"));
    }

    [TestCase("--frobnicate")]
    [TestCase("frobnicate")]
    [TestCase("bench", "gemm", "--sise", "64")]
    public void UnknownOptionOrCommandIsOneLineAndExit2(params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.StartWith("interp-eval: ").And.Contain(args.First(a => a.Contains("ni") || a.Contains("sise"))));
        Assert.That(r.Stdout, Is.Empty, "no help dumped on a usage error");
    }

    [TestCase("bench")]
    [TestCase("bench", "gemm", "--size", "0")]
    [TestCase("bench", "gemm", "--repeats", "-1")]
    [TestCase("bench", "gemm", "--size", "many")]
    [TestCase("--threads", "two", "run")]
    public void InvalidUsageIsExit2(params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
    }

    [Test]
    public void ZeroThreadsIsExit2NamingTheOption()
    {
        CliResult r = CliRunner.Run("--threads", "0", "run");
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("--threads"));
    }

    [Test]
    public void CudaOnACpuLibtorchIsExit2WithAClearLine()
    {
        Assume.That(Device.CudaDeviceCount, Is.EqualTo(0), "this libtorch has CUDA devices");
        CliResult r = CliRunner.Run("--device", "cuda", "bench", "gemm", "--size", "8", "--repeats", "1");
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.StartWith("interp-eval: --device").And.Contain("CUDA"));
        Assert.That(r.Stdout, Is.Empty, "the benchmark must not run");
    }

    [Test]
    public void UnknownDeviceIsExit2()
    {
        CliResult r = CliRunner.Run("--device", "tpu", "run");
        Assert.That(r.ExitCode, Is.EqualTo((int)ExitCode.BadInput), r.ToString());
        Assert.That(r.Stderr, Does.Contain("tpu"));
    }

    [Test]
    public void RunWithoutItsBaselineIsExit2BeforeAnyWork()
    {
        CliResult r = CliRunner.Run("run", "--baselines", Path.Combine(Path.GetTempPath(), $"ie-none-{Guid.NewGuid():N}.json"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("baseline file not found"));
        Assert.That(r.Stdout, Is.Empty, "nothing ran");
    }

    [Test]
    public void ThreadsOptionReachesLibtorchBeforeTheCommandRuns()
    {
        int before = TorchRuntime.NumThreads;
        try
        {
            TorchRuntime.SetNumThreads(Environment.ProcessorCount + 1);
            CliResult r = CliRunner.Run("--threads", "1", "tokenize", "--text", "a");
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(TorchRuntime.NumThreads, Is.EqualTo(1));
            if (TorchRuntime.BlasThreads != 0) Assert.That(TorchRuntime.BlasThreads, Is.EqualTo(1), "OpenBLAS threads follow --threads");
        }
        finally
        {
            TorchRuntime.SetNumThreads(before);
        }
    }
}
