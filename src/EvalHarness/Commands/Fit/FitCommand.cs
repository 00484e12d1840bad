// FitCommand — the `fit` command's definition: options as static fields; the work is FitHandler's.
using System.CommandLine;

namespace InterpEval.Harness.Commands.Fit;

public static class FitCommand
{
    public static readonly Option<string> In = new("--in") { Description = "CSV file with a header row", HelpName = "POINTS.csv", Required = true };
    public static readonly Option<string> X = new("--x") { Description = "Column of x (must be positive: compute, width, tokens)", HelpName = "COLUMN", Required = true };
    public static readonly Option<string> Y = new("--y") { Description = "Column of y (must be positive: a loss)", HelpName = "COLUMN", Required = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON: a, b, c, ci95 {\"a\": [lo, hi], …}, r2_log, rmse_log" };

    public static readonly Option<int> Bootstrap = new("--bootstrap")
    {
        Description = "Bootstrap resamples over the points for the 95 % intervals", HelpName = "N", DefaultValueFactory = _ => 1000,
        CustomParser = OptionParsers.PositiveInt("--bootstrap"),
    };

    public static readonly Option<ulong> Seed = new("--seed") { Description = "Seed of the bootstrap resampling", HelpName = "N", DefaultValueFactory = _ => 0 };
    public static readonly Option<bool> NoOffset = new("--no-offset") { Description = "Fit a pure power law y = a·x^−b (c = 0), e.g. compute-optimal width vs compute" };

    public static Command Create()
    {
        var command = new Command("fit", "Fit y = a·x^−b + c to two CSV columns (Huber log loss, bootstrap 95 % intervals)") { In, X, Y, Json, Bootstrap, Seed, NoOffset };
        command.SetAction(parseResult => (int)new FitHandler(parseResult.InvocationConfiguration.Output).Run(new FitOptions(
            parseResult.GetValue(In)!, parseResult.GetValue(X)!, parseResult.GetValue(Y)!, parseResult.GetValue(Json),
            parseResult.GetValue(Bootstrap), parseResult.GetValue(Seed), parseResult.GetValue(NoOffset))));
        return command;
    }
}
