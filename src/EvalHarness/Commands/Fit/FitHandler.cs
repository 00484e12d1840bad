// FitHandler — `interp-eval fit`: reads two columns of a CSV, fits y = a·x^−b + c (or a pure power law) with the
// Huber log loss and bootstrap 95 % intervals (src/Suites/Scaling), and prints the parameters, their intervals and the
// goodness of fit, as text or JSON. Writes no file. Unusable points are bad input (exit 2, one line naming the file).
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Tool;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Commands.Fit;

/// <param name="In">The CSV file.</param>
/// <param name="X">Column of x (compute, width, tokens…).</param>
/// <param name="Y">Column of y (loss…).</param>
/// <param name="Json">Print JSON instead of text.</param>
/// <param name="Bootstrap">Bootstrap resamples (0: no intervals).</param>
/// <param name="Seed">Seed of the resampling.</param>
/// <param name="NoOffset">Fit y = a·x^−b (c fixed at 0).</param>
public sealed record FitOptions(string In, string X, string Y, bool Json, int Bootstrap, ulong Seed, bool NoOffset);

public sealed class FitHandler(TextWriter stdout)
{
    public ExitCode Run(FitOptions o)
    {
        (double[] x, double[] y) = PointsCsv.Read(o.In, o.X, o.Y);
        var options = new PowerLawFitOptions(Offset: !o.NoOffset);
        PowerLawEstimate e;
        try
        {
            e = PowerLawBootstrap.Estimate(x, y, o.Bootstrap, o.Seed, options);
        }
        catch (ArgumentException fault) when (fault is not UsageException)
        {
            throw new UsageException($"{o.In}: columns '{o.X}', '{o.Y}': {fault.Message}", fault);
        }
        stdout.Write(o.Json ? ToJson(o, e, options).ToJsonString(new() { WriteIndented = true }) + "\n" : Text(o, e, options));
        return ExitCode.Ok;
    }

    /// <summary>The fit as a JSON object: a, b, c, ci95 {"a": [lo, hi], …}, goodness of fit and how it was made.</summary>
    public static JsonObject ToJson(FitOptions o, PowerLawEstimate e, PowerLawFitOptions options) => new()
    {
        ["x"] = o.X, ["y"] = o.Y, ["model"] = o.NoOffset ? "y = a*x^-b" : "y = a*x^-b + c",
        ["a"] = e.Fit.A, ["b"] = e.Fit.B, ["c"] = e.Fit.C,
        ["ci95"] = new JsonObject { ["a"] = Pair(e.A), ["b"] = Pair(e.B), ["c"] = Pair(e.C) },
        ["n"] = e.Fit.N, ["r2_log"] = e.Fit.R2Log, ["rmse_log"] = e.Fit.RmseLog, ["huber_loss"] = e.Fit.Loss,
        ["huber_delta"] = options.HuberDelta, ["bootstrap"] = e.Resamples, ["seed"] = o.Seed, ["exact"] = e.Exact,
    };

    private static JsonArray Pair(Interval i) => new(i.Lo, i.Hi);

    private static string Text(FitOptions o, PowerLawEstimate e, PowerLawFitOptions options)
    {
        string F(double v) => Numbers.Format(v);
        string Line(string name, double v, Interval i) => $"  {name} = {F(v),-12} 95 % [{F(i.Lo)}, {F(i.Hi)}]\n";
        return $"{o.Y} = a·{o.X}^−b{(o.NoOffset ? "" : " + c")}   ({e.Fit.N} points from {o.In}; Huber log loss, δ {F(options.HuberDelta)}; " +
               $"{e.Resamples.ToString(CultureInfo.InvariantCulture)} bootstrap resamples)\n" +
               Line("a", e.Fit.A, e.A) + Line("b", e.Fit.B, e.B) + (o.NoOffset ? "" : Line("c", e.Fit.C, e.C)) +
               $"  R² (log y) = {F(e.Fit.R2Log)}, RMSE (log y) = {F(e.Fit.RmseLog)}\n" +
               (e.Exact ? "  note: as many points as parameters — the fit is exact and the intervals are not informative\n" : "");
    }
}
