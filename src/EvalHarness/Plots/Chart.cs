// Chart — what a plot shows, independent of how it is drawn: axes (label with unit, linear or log10), series (points,
// lines or both; a group that decides the colour, so a width keeps one colour across its points and its fit line) and
// shaded bands (a fit's interval). ChartRenderer draws it; nothing else in the tool knows the plotting package.
namespace InterpEval.Harness.Plots;

/// <param name="Label">Axis title including its unit ("training compute (FLOPs)").</param>
/// <param name="Log">Log10 axis with ticks at each decade (and 2×, 5× within a short span).</param>
public sealed record ChartAxis(string Label, bool Log = false);

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    Markers,
    Line,
    LineAndMarkers,
    DashedLine,
    HollowMarkers,
}

/// <param name="Name">Legend entry; an empty name stays out of the legend.</param>
/// <param name="Points">(x, y) in drawing order; non-finite points (and non-positive ones on a log axis) are dropped.</param>
/// <param name="Group">Colour key: series with the same group share a colour (null: the name).</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, SeriesStyle Style = SeriesStyle.LineAndMarkers,
    string? Group = null)
{
    public string ColourKey => Group ?? Name;
}

/// <param name="Name">Legend entry.</param>
/// <param name="Points">(x, lower, upper) in x order.</param>
/// <param name="Group">Colour key, as for series.</param>
public sealed record ChartBand(string Name, IReadOnlyList<(double X, double Lo, double Hi)> Points, string? Group = null)
{
    public string ColourKey => Group ?? Name;
}

/// <param name="Title">Shown above the plot.</param>
/// <param name="X">Horizontal axis.</param>
/// <param name="Y">Vertical axis.</param>
/// <param name="Series">Drawn in order, over the bands.</param>
/// <param name="Bands">Drawn first.</param>
public sealed record Chart(string Title, ChartAxis X, ChartAxis Y, IReadOnlyList<ChartSeries> Series, IReadOnlyList<ChartBand>? Bands = null)
{
    public IReadOnlyList<ChartBand> AllBands => Bands ?? [];
}
