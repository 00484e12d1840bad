// MsBuildTargetsTests — build/InterpEval.targets imported by a tiny project (no SDK, so MSBuild starts in seconds) whose
// InterpEvalCommand is a stand-in script printing what `run --annotations msbuild` prints and exiting with a chosen code:
// a regression fails the build with IE0001 at the baseline file's line; exit 0 passes; exit 2 is error IE0000.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Tests.Build;

[TestFixture]
public sealed class MsBuildTargetsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-targets-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Targets([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "build", "InterpEval.targets"));

    /// <summary>Builds the tiny project with a stand-in tool that prints `lines` and exits with `code`.</summary>
    private (int ExitCode, string Output) Build(string lines, int code)
    {
        string script = Path.Combine(_dir, "fake-tool.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho \"args: $*\"\ncat <<'OUT'\n{lines}\nOUT\nexit {code}\n");
        File.WriteAllText(Path.Combine(_dir, "consumer.proj"), $"""
            <Project>
              <PropertyGroup><InterpEvalCommand>sh {script}</InterpEvalCommand></PropertyGroup>
              <Import Project="{Targets()}" />
              <Target Name="Build" />
            </Project>
            """);
        var start = new ProcessStartInfo("dotnet", ["msbuild", "consumer.proj", "-t:Build", "-nologo", "-v:m", "-nodeReuse:false"])
        {
            WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Test]
    public void A_regression_fails_the_build_with_IE0001_at_the_baseline_line()
    {
        (int code, string output) = Build("baselines/smoke.json(12): error IE0001: reconstruction/topk-resid/fvu regressed: 0.1 → 0.2", 1);
        Assert.That(code, Is.Not.EqualTo(0), output);
        Assert.That(output, Does.Contain("baselines/smoke.json(12): error IE0001: reconstruction/topk-resid/fvu regressed"));
        Assert.That(output, Does.Contain("args: run --profile smoke --annotations msbuild"));
    }

    [Test]
    public void A_clean_run_passes_the_build()
    {
        (int code, string output) = Build("gate PASSED", 0);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Not.Contain("error"));
    }

    [Test]
    public void Bad_input_is_error_IE0000()
    {
        (int code, string output) = Build("interp-eval: baselines/smoke.json: baseline file not found", 2);
        Assert.That(code, Is.Not.EqualTo(0), output);
        Assert.That(output, Does.Contain("error IE0000").And.Contain("exit code 2"));
    }
}
