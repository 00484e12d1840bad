// InterpEvalCli — the command tree and the one entry point (Program.Main and the tests both call Run): parse,
// report usage errors as one line (exit 2), apply the global options, invoke the command, map failures to exit codes
// through ErrorReport. Commands live in one factory each (*Command.cs); this file only assembles them.
using System.CommandLine;
using System.CommandLine.Help;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Commands.Bench;
using InterpEval.Harness.Commands.Compare;
using InterpEval.Harness.Commands.Dict;
using InterpEval.Harness.Commands.Eval;
using InterpEval.Harness.Commands.Features;
using InterpEval.Harness.Commands.History;
using InterpEval.Harness.Commands.Inspect;
using InterpEval.Harness.Commands.Model;
using InterpEval.Harness.Commands.Run;
using InterpEval.Harness.Commands.Steer;
using InterpEval.Harness.Commands.Tokenize;
using InterpEval.Harness.Commands.Train;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Cli;

public static class InterpEvalCli
{
    public const string Description =
        "interp-eval — evaluates sparse autoencoders and transcoders on transformer activations and exits non-zero on a regression.";

    /// <summary>The whole command tree. A plain Command (not RootCommand) so help says `interp-eval` in every host.</summary>
    public static Command CreateRootCommand()
    {
        var root = new Command("interp-eval", Description)
        {
            new HelpOption(),
            new VersionOption { Action = new VersionAction() },
            RunCommand.Create(),
            HistoryCommand.Create(),
            CompareCommand.Create(),
            EvalCommand.Create(),
            ModelCommand.Create(),
            TrainCommand.Create(),
            TokenizeCommand.Create(),
            DictCommand.Create(),
            BenchCommand.Create(),
            InspectCommand.Create(),
            SteerCommand.Create(),
            FeaturesCommand.Create(),
            Commands.Attribute.AttributeCommand.Create(),
            Commands.Graph.GraphCommand.Create(),
            Commands.Intervene.InterveneCommand.Create(),
            InterpEval.Harness.Commands.Fit.FitCommand.Create(),
            InterpEval.Harness.Commands.Sweep.SweepCommand.Create(),
            InterpEval.Harness.Commands.Launch.LaunchCommand.Create(),
        };
        foreach (Option option in GlobalOptions.All) root.Options.Add(option);
        // No command: show what exists rather than an error.
        root.SetAction(parseResult => root.Parse(["--help"]).Invoke(parseResult.InvocationConfiguration));
        return root;
    }

    /// <summary>Runs the tool on `args`, writing to the given streams, and returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(CreateRootCommand(), args, stdout, stderr);

    /// <summary>Runs a given command tree (tests add commands that fail on purpose).</summary>
    internal static int Run(Command root, string[] args, TextWriter stdout, TextWriter stderr)
    {
        bool showStackTrace = ErrorReport.DebugFromEnvironment || args.Contains("--verbose");
        try
        {
            ParseResult parseResult = root.Parse(args);
            if (parseResult.Errors.Count > 0 && parseResult.Action is not HelpAction)
                return (int)ErrorReport.ReportParseErrors(parseResult, stderr);

            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            };
            if (RunsACommand(parseResult)) GlobalOptions.Apply(parseResult);
            return parseResult.Invoke(configuration);
        }
        catch (Exception e)
        {
            return (int)ErrorReport.Report(e, stderr, showStackTrace);
        }
    }

    /// <summary>True when a command's own action will run (not --help or --version, which need no libtorch settings).</summary>
    private static bool RunsACommand(ParseResult parseResult)
    {
        Command command = parseResult.CommandResult.Command;
        return command.Action is not null && ReferenceEquals(parseResult.Action, command.Action) && command.Parents.Any();
    }
}
