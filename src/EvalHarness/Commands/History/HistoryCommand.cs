// HistoryCommand — `interp-eval history`: the runs recorded in the SQLite history, or with --metric one metric over
// runs (every key equal to it or ending in /METRIC, one line per key) as a table and a line plot (SVG + PNG). Reads the
// history only; writes the plot.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Config;
using InterpEval.Interp.IO;
using Spectre.Console;

namespace InterpEval.Harness.Commands.History;

public static class HistoryCommand
{
    public static readonly Option<string> Db = new("--db")
    {
        Description = "The history database", HelpName = "FILE", DefaultValueFactory = _ => new HarnessConfig().History,
    };

    public static readonly Option<string?> Metric = new("--metric") { Description = "A metric key (suite/subject/name) or a name matching every subject's (fvu)", HelpName = "M" };

    public static readonly Option<string?> ProfileFilter = new("--profile") { Description = "Only runs of this profile", HelpName = "P" };

    public static readonly Option<int> Limit = new("--limit")
    {
        Description = "The latest N runs", HelpName = "N", DefaultValueFactory = _ => 50, CustomParser = OptionParsers.PositiveInt("--limit"),
    };

    public static readonly Option<string> Plot = new("--plot")
    {
        Description = "Where the plot of --metric goes (FILE.svg, and a PNG next to it)", HelpName = "FILE", DefaultValueFactory = _ => Path.Combine("artifacts", "interp-eval", "history.svg"),
    };

    public static Command Create()
    {
        var command = new Command("history", "List recorded runs, or one metric over runs (table + SVG plot)") { Db, Metric, ProfileFilter, Limit, Plot };
        command.SetAction(parseResult => (int)new HistoryHandler(parseResult.InvocationConfiguration.Output).Run(Options(parseResult)));
        return command;
    }

    public static HistoryOptions Options(ParseResult parseResult) => new(parseResult.GetValue(Db)!, parseResult.GetValue(Metric),
        parseResult.GetValue(ProfileFilter), parseResult.GetValue(Limit), parseResult.GetValue(Plot)!);
}
