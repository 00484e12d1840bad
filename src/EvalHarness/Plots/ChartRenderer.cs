// ChartRenderer — the one place that knows ScottPlot 5: draws a Chart as SVG or PNG with a title, labelled axes, log10
// axes with decade ticks (data plotted as log10 and the ticks labelled 10ⁿ, minor ticks at 2…9×), a legend, one colour
// per series group (the Tol "bright" palette, colour-blind safe) and shaded bands. Deterministic for the same chart.
// It leaves interactivity out (static images for reports and docs).
using System.Globalization;
using InterpEval.Interp.IO;
using ScottPlot;

namespace InterpEval.Harness.Plots;

public sealed class ChartRenderer(int width = 640, int height = 420)
{
    private static readonly string[] Palette = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#000000"];

    /// <summary>A self-contained SVG document.</summary>
    public string Svg(Chart chart) => Build(chart).GetSvgXml(width, height);

    /// <summary>PNG bytes.</summary>
    public byte[] Png(Chart chart) => Build(chart).GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>Writes basePath.svg and basePath.png (each atomically) and returns both paths.</summary>
    public (string Svg, string Png) Save(Chart chart, string basePath)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(basePath)) is { } dir) Directory.CreateDirectory(dir);
        string svg = basePath + ".svg", png = basePath + ".png";
        AtomicFile.WriteAllText(svg, Svg(chart));
        AtomicFile.WriteAllBytes(png, Png(chart));
        return (svg, png);
    }

    private static Plot Build(Chart chart)
    {
        var plot = new Plot();
        var colours = new Dictionary<string, Color>(StringComparer.Ordinal);
        Color ColourOf(string key)
        {
            if (!colours.TryGetValue(key, out Color c)) colours[key] = c = Color.FromHex(Palette[colours.Count % Palette.Length]);
            return c;
        }
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (ChartBand band in chart.AllBands)
        {
            var pts = band.Points.Select(p => (X: Map(p.X, chart.X), Lo: Map(p.Lo, chart.Y), Hi: Map(p.Hi, chart.Y)))
                .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Lo) && double.IsFinite(p.Hi)).ToList();
            if (pts.Count < 2) continue;
            var fill = plot.Add.FillY(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Lo).ToArray(), pts.Select(p => p.Hi).ToArray());
            fill.FillColor = ColourOf(band.ColourKey).WithAlpha(0.2);
            fill.LineColor = Colors.Transparent;
            fill.LegendText = band.Name;
            xs.AddRange(pts.Select(p => p.X));
            ys.AddRange(pts.SelectMany(p => new[] { p.Lo, p.Hi }));
        }
        foreach (ChartSeries series in chart.Series)
        {
            var pts = series.Points.Select(p => (X: Map(p.X, chart.X), Y: Map(p.Y, chart.Y))).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (pts.Count == 0) continue;
            var scatter = plot.Add.Scatter(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray(), ColourOf(series.ColourKey));
            Style(scatter, series.Style);
            scatter.LegendText = series.Name;
            xs.AddRange(pts.Select(p => p.X));
            ys.AddRange(pts.Select(p => p.Y));
        }
        plot.Title(chart.Title);
        plot.XLabel(chart.X.Label);
        plot.YLabel(chart.Y.Label);
        if (chart.X.Log) plot.Axes.Bottom.TickGenerator = LogTicks(xs);
        if (chart.Y.Log) plot.Axes.Left.TickGenerator = LogTicks(ys);
        if (chart.Series.Any(s => s.Name.Length > 0) || chart.AllBands.Any(b => b.Name.Length > 0))
            plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Style(ScottPlot.Plottables.Scatter s, SeriesStyle style)
    {
        s.LineWidth = style is SeriesStyle.Markers or SeriesStyle.HollowMarkers ? 0 : 2;
        s.MarkerSize = style is SeriesStyle.Line or SeriesStyle.DashedLine ? 0 : 7;
        if (style == SeriesStyle.DashedLine) s.LinePattern = LinePattern.Dashed;
        if (style == SeriesStyle.HollowMarkers) s.MarkerShape = MarkerShape.OpenCircle;
    }

    /// <summary>The value as drawn: log10 on a log axis (NaN for non-positive values, which are then dropped).</summary>
    internal static double Map(double v, ChartAxis axis) => !axis.Log ? v : v > 0 ? Math.Log10(v) : double.NaN;

    /// <summary>Majors at every decade in the data's span, labelled 10ⁿ (plus 2× and 5× labels when it spans under two
    /// decades and every multiple under one, so a short axis still reads); minor ticks at 2…9× each decade.</summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(IReadOnlyCollection<double> logValues)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach ((double at, string? label) in LogTickList(logValues))
            if (label is null) ticks.AddMinor(at);
            else ticks.AddMajor(at, label);
        return ticks;
    }

    /// <summary>The ticks of a log axis over log10 values: (position in log10, label; null for a minor tick).</summary>
    internal static IReadOnlyList<(double At, string? Label)> LogTickList(IReadOnlyCollection<double> logValues)
    {
        var ticks = new List<(double, string?)>();
        if (logValues.Count == 0) return ticks;
        int lo = (int)Math.Floor(logValues.Min()) - 1, hi = (int)Math.Ceiling(logValues.Max()) + 1;
        double span = logValues.Max() - logValues.Min();
        for (int e = lo; e <= hi; e++)
        {
            ticks.Add((e, DecadeLabel(e)));
            for (int m = 2; m <= 9; m++)
                ticks.Add((e + Math.Log10(m), span < 1 || (span < 2 && m is 2 or 5) ? MultipleLabel(m, e) : null));
        }
        return ticks;
    }

    /// <summary>m·10ᵉ as a plain number near 1, else "m×10ᵉ".</summary>
    internal static string MultipleLabel(int m, int exponent) =>
        exponent is >= -2 and <= 3 ? (m * Math.Pow(10, exponent)).ToString("G3", CultureInfo.InvariantCulture) : m.ToString(CultureInfo.InvariantCulture) + "×" + DecadeLabel(exponent);

    internal static string DecadeLabel(int exponent)
    {
        if (exponent is >= -2 and <= 3) return Math.Pow(10, exponent).ToString(CultureInfo.InvariantCulture);
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string digits = string.Concat(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Select(c => superscripts[c - '0']));
        return "10" + (exponent < 0 ? "⁻" : "") + digits;
    }
}
