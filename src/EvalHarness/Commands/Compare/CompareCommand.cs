// CompareCommand — `interp-eval compare RUN_A RUN_B`: the metric deltas between two runs, each given as a results.json
// file or a history id (or run id) from the SQLite history. Informational: no gate, exit 0. Keys in only one run are
// listed with the other side empty.
using System.CommandLine;
using InterpEval.Harness.Commands.History;
using InterpEval.Suites;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Compare;

public static class CompareCommand
{
    public static readonly Argument<string> RunA = new("RUN_A") { Description = "A results.json file or a history id" };
    public static readonly Argument<string> RunB = new("RUN_B") { Description = "A results.json file or a history id" };

    public static Command Create()
    {
        var command = new Command("compare", "Metric deltas between two runs (results.json files or history ids)") { RunA, RunB, HistoryCommand.Db };
        command.SetAction(parseResult => (int)new CompareHandler(parseResult.InvocationConfiguration.Output).Run(Options(parseResult)));
        return command;
    }

    public static CompareOptions Options(ParseResult parseResult) =>
        new(parseResult.GetValue(RunA)!, parseResult.GetValue(RunB)!, parseResult.GetValue(HistoryCommand.Db)!);
}
