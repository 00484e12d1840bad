// GitCommit — the commit a run was made at, for reports and history: GITHUB_SHA when CI sets it, else `git rev-parse
// HEAD` in the working directory, else null (not a checkout, or no git). Never fails a run.
using System.Diagnostics;

namespace InterpEval.Harness.Runs;

public static class GitCommit
{
    public static string? Current()
    {
        string? sha = Environment.GetEnvironmentVariable("GITHUB_SHA");
        if (!string.IsNullOrWhiteSpace(sha)) return sha.Trim();
        try
        {
            var start = new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process? git = Process.Start(start);
            if (git is null) return null;
            string output = git.StandardOutput.ReadToEnd().Trim();
            if (!git.WaitForExit(5000)) return null;
            return git.ExitCode == 0 && output.Length >= 7 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
