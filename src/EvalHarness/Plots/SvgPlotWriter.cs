// SvgPlotWriter — the project's own small SVG plotting: bar charts with reference marks and line charts with markers,
// linear axes with "nice" ticks, invariant numbers, deterministic output (snapshot-testable). No log axes, no legends
// beyond a series list, no interactivity: a plotting package behind IPlotWriter can add those.
using System.Globalization;
using System.Net;
using System.Text;
using InterpEval.Harness.Runs;

namespace InterpEval.Harness.Plots;

public sealed class SvgPlotWriter(int width = 360, int height = 220) : IPlotWriter
{
    private const int Left = 56, Right = 12, Top = 28, Bottom = 44;
    private static readonly string[] Palette = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"];

    public string BarChart(BarChart chart)
    {
        var values = chart.Bars.SelectMany(b => b.Reference is { } r ? new[] { b.Value, r } : [b.Value]).Where(double.IsFinite).Append(0).ToList();
        (double lo, double hi, double[] ticks) = Axis(values.Min(), values.Max());
        var svg = Begin(chart.Title);
        YAxis(svg, lo, hi, ticks, chart.YLabel);
        double slot = PlotWidth / Math.Max(1, chart.Bars.Count);
        for (int i = 0; i < chart.Bars.Count; i++)
        {
            Bar bar = chart.Bars[i];
            double x = Left + i * slot + slot * 0.15, w = slot * 0.7;
            double value = double.IsFinite(bar.Value) ? bar.Value : 0;
            double y0 = Y(0, lo, hi), y1 = Y(value, lo, hi);
            svg.Append($"<rect x=\"{F(x)}\" y=\"{F(Math.Min(y0, y1))}\" width=\"{F(w)}\" height=\"{F(Math.Abs(y1 - y0))}\" fill=\"{(bar.Highlight ? "#cc3311" : Palette[0])}\"><title>{Esc(bar.Label)}: {Numbers.Format(bar.Value)}</title></rect>\n");
            if (bar.Reference is { } r && double.IsFinite(r))
                svg.Append($"<line x1=\"{F(x - 2)}\" x2=\"{F(x + w + 2)}\" y1=\"{F(Y(r, lo, hi))}\" y2=\"{F(Y(r, lo, hi))}\" stroke=\"#222\" stroke-width=\"2\" stroke-dasharray=\"4 2\"><title>baseline {Numbers.Format(r)}</title></line>\n");
            svg.Append($"<text x=\"{F(x + w / 2)}\" y=\"{height - Bottom + 14}\" text-anchor=\"middle\" font-size=\"10\">{Esc(Shorten(bar.Label, (int)(slot / 6)))}</text>\n");
        }
        return End(svg);
    }

    public string LineChart(LineChart chart)
    {
        var points = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        (double xlo, double xhi, double[] xticks) = points.Count == 0 ? (0, 1, [0, 1]) : Axis(points.Min(p => p.X), points.Max(p => p.X));
        (double ylo, double yhi, double[] yticks) = points.Count == 0 ? (0, 1, [0, 1]) : Axis(points.Min(p => p.Y), points.Max(p => p.Y));
        var svg = Begin(chart.Title);
        YAxis(svg, ylo, yhi, yticks, chart.YLabel);
        foreach (double t in xticks)
            svg.Append($"<text x=\"{F(X(t, xlo, xhi))}\" y=\"{height - Bottom + 14}\" text-anchor=\"middle\" font-size=\"10\">{Numbers.Format(t)}</text>\n");
        svg.Append($"<text x=\"{F(Left + PlotWidth / 2)}\" y=\"{height - 6}\" text-anchor=\"middle\" font-size=\"11\">{Esc(chart.XLabel)}</text>\n");
        for (int s = 0; s < chart.Series.Count; s++)
        {
            string colour = Palette[s % Palette.Length];
            var ps = chart.Series[s].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            string path = string.Join(' ', ps.Select(p => $"{F(X(p.X, xlo, xhi))},{F(Y(p.Y, ylo, yhi))}"));
            svg.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>\n");
            foreach ((double x, double y) in ps)
                svg.Append($"<circle cx=\"{F(X(x, xlo, xhi))}\" cy=\"{F(Y(y, ylo, yhi))}\" r=\"2.5\" fill=\"{colour}\"><title>{Numbers.Format(x)}: {Numbers.Format(y)}</title></circle>\n");
            svg.Append($"<text x=\"{Left + 6}\" y=\"{Top + 12 + 12 * s}\" font-size=\"10\" fill=\"{colour}\">{Esc(chart.Series[s].Name)}</text>\n");
        }
        return End(svg);
    }

    private double PlotWidth => width - Left - Right;
    private double PlotHeight => height - Top - Bottom;
    private double X(double v, double lo, double hi) => Left + (v - lo) / (hi - lo) * PlotWidth;
    private double Y(double v, double lo, double hi) => Top + (1 - (v - lo) / (hi - lo)) * PlotHeight;

    private StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">{Esc(title)}</text>\n");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private void YAxis(StringBuilder svg, double lo, double hi, double[] ticks, string label)
    {
        svg.Append($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{height - Bottom}\" stroke=\"#444\"/>\n");
        svg.Append($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{F(Y(Math.Clamp(0, lo, hi), lo, hi))}\" y2=\"{F(Y(Math.Clamp(0, lo, hi), lo, hi))}\" stroke=\"#444\"/>\n");
        foreach (double t in ticks)
        {
            double y = Y(t, lo, hi);
            svg.Append($"<line x1=\"{Left - 4}\" x2=\"{width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>\n");
            svg.Append($"<text x=\"{Left - 6}\" y=\"{F(y + 3)}\" text-anchor=\"end\" font-size=\"10\">{Numbers.Format(t)}</text>\n");
        }
        svg.Append($"<text x=\"12\" y=\"{F(Top + PlotHeight / 2)}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 12 {F(Top + PlotHeight / 2)})\">{Esc(label)}</text>\n");
    }

    /// <summary>A padded range and 3–6 ticks at 1, 2 or 5 × 10^n steps.</summary>
    internal static (double Lo, double Hi, double[] Ticks) Axis(double min, double max)
    {
        if (!(max > min)) { double pad = Math.Abs(min) > 0 ? Math.Abs(min) * 0.5 : 1; min -= pad; max += pad; }
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        double lo = Math.Floor(min / step) * step, hi = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = lo; t <= hi + step / 2; t += step) ticks.Add(Math.Round(t / step) * step);
        return (lo, hi, [.. ticks]);
    }

    private static string F(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);
    private static string Esc(string s) => WebUtility.HtmlEncode(s);
    private static string Shorten(string s, int max) => s.Length <= Math.Max(4, max) ? s : s[..(Math.Max(4, max) - 1)] + "…";
}
