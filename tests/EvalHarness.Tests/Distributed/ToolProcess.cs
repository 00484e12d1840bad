// ToolProcess — the built tool as a child process, one rank of a job a test starts by hand: its environment is this
// process's without the launcher variables, plus the ones the test gives; Finish waits for it with a deadline (killing
// the process tree rather than hanging the test run) and returns its exit code and output.
using System.Diagnostics;
using InterpEval.Harness.Cli;

namespace InterpEval.Harness.Tests.Distributed;

internal static class ToolProcess
{
    private static readonly string[] LauncherVariables =
        ["WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID"];

    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(typeof(InterpEvalCli).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var name in LauncherVariables) start.Environment.Remove(name);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        return Process.Start(start)!;
    }

    public static (int Code, string Stdout, string Stderr) Finish(Process p, int seconds = 60)
    {
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(seconds))) { p.Kill(entireProcessTree: true); Assert.Fail($"the tool did not finish in {seconds} s"); }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
    }

    public static (int Code, string Stdout, string Stderr) Run(IEnumerable<string> args, IDictionary<string, string>? env = null, int seconds = 60) =>
        Finish(Start(args, env), seconds);
}
