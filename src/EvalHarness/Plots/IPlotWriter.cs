// IPlotWriter — the one interface every plot in the tool goes through (bar charts for a run's metrics, line charts
// for a metric over runs), so a plotting package can replace the project's own SVG writer without touching callers.
namespace InterpEval.Harness.Plots;

/// <param name="Label">The bar's label (a subject).</param>
/// <param name="Value">Its height.</param>
/// <param name="Reference">A reference mark drawn across the bar (the baseline), or null.</param>
/// <param name="Highlight">Drawn in the alarm colour (a regression).</param>
public sealed record Bar(string Label, double Value, double? Reference = null, bool Highlight = false);

/// <param name="Title">Shown above the plot.</param>
/// <param name="YLabel">The value axis label.</param>
/// <param name="Bars">Left to right.</param>
public sealed record BarChart(string Title, string YLabel, IReadOnlyList<Bar> Bars);

/// <param name="Name">Legend entry.</param>
/// <param name="Points">(x, y) in drawing order.</param>
public sealed record LineSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <param name="Title">Shown above the plot.</param>
/// <param name="XLabel">Horizontal axis label.</param>
/// <param name="YLabel">Vertical axis label.</param>
/// <param name="Series">One or more lines.</param>
public sealed record LineChart(string Title, string XLabel, string YLabel, IReadOnlyList<LineSeries> Series);

public interface IPlotWriter
{
    /// <summary>A self-contained SVG document (no external references).</summary>
    string BarChart(BarChart chart);

    /// <summary>A self-contained SVG document (no external references).</summary>
    string LineChart(LineChart chart);
}
