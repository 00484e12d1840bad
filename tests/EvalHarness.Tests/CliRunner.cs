// CliRunner — runs the tool in process through its real entry point and captures what it printed.
using System.CommandLine;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Tests;

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static class CliRunner
{
    public static CliResult Run(params string[] args) => Run(InterpEvalCli.CreateRootCommand(), args);

    public static CliResult Run(Command root, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = InterpEvalCli.Run(root, args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
