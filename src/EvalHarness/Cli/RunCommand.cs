// RunCommand — `interp-eval run`, the main job (config + profile → suites → gates → reports). The pipeline does not
// exist yet: for now the command prints the tool's help and exits 0, and its description says so.
using System.CommandLine;

namespace InterpEval.Harness.Cli;

public static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run the evaluation suites against the baselines (not implemented yet: prints this help and exits 0)");
        command.SetAction(parseResult => (int)new RunHandler().Run(parseResult));
        return command;
    }
}

/// <summary>Placeholder for the runner: shows the tool's help so a user sees what exists today.</summary>
public sealed class RunHandler
{
    public ExitCode Run(ParseResult parseResult)
    {
        Command root = parseResult.RootCommandResult.Command;
        return (ExitCode)root.Parse(["--help"]).Invoke(parseResult.InvocationConfiguration);
    }
}
