// ChartRendererTests — the plotting module: SVG that parses as XML, names its title, axis labels and every series in
// the legend, shows decade tick labels on a log axis, renders in headless Chromium with a non-empty box; a PNG with the
// PNG signature and the chart's size; one colour per group.
using System.Xml.Linq;
using InterpEval.Harness.Plots;
using InterpEval.Harness.Tests.Interpret;

namespace InterpEval.Harness.Tests.Plots;

public class ChartRendererTests
{
    internal static Chart Sample() => new("loss vs compute", new ChartAxis("training compute (FLOPs)", Log: true), new ChartAxis("FVU (fraction)", Log: true),
        [
            new ChartSeries("width 256", [(1e9, 0.5), (1e10, 0.3), (1e11, 0.2)], SeriesStyle.Markers, Group: "256"),
            new ChartSeries("width 1024", [(1e10, 0.4), (1e11, 0.15), (1e12, 0.09)], SeriesStyle.Markers, Group: "1024"),
            new ChartSeries("fit 0.31·C^−0.12", [(1e9, 0.52), (1e12, 0.1)], SeriesStyle.DashedLine, Group: "fit"),
        ],
        [new ChartBand("95 % band", [(1e9, 0.45, 0.6), (1e12, 0.08, 0.12)], Group: "fit")]);

    /// <summary>Every text the SVG shows, in document order.</summary>
    internal static string Texts(string svg) => string.Join(" | ", XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));

    [Test]
    public void SvgIsValidXmlWithTitleAxesLegendAndDecadeTicks()
    {
        string svg = new ChartRenderer().Svg(Sample());
        XDocument doc = XDocument.Parse(svg);
        Assert.That(doc.Root!.Name.LocalName, Is.EqualTo("svg"));
        string texts = Texts(svg);
        Assert.That(texts, Does.Contain("loss vs compute").And.Contain("training compute (FLOPs)").And.Contain("FVU (fraction)"));
        Assert.That(texts, Does.Contain("width 256").And.Contain("width 1024").And.Contain("fit 0.31·C^−0.12").And.Contain("95 % band"), "legend");
        Assert.That(texts, Does.Contain("10¹⁰").And.Contain("10¹¹"), "decade ticks on the log x axis");
        Assert.That(texts, Does.Contain("0.1"), "a decade label on the log y axis");
    }

    [Test]
    public void LogTicksAreDecadesAndShortSpansGetTwoAndFive()
    {
        Assert.That(ChartRenderer.DecadeLabel(4), Is.EqualTo("10⁴"));
        Assert.That(ChartRenderer.DecadeLabel(-5), Is.EqualTo("10⁻⁵"));
        Assert.That(ChartRenderer.DecadeLabel(2), Is.EqualTo("100"));
        var wide = ChartRenderer.LogTickList([3.0, 9.0]).Where(t => t.Label is not null).Select(t => t.At).ToList();
        Assert.That(wide, Is.EqualTo(Enumerable.Range(2, 9).Select(e => (double)e)), "one major per decade");
        var shortSpan = ChartRenderer.LogTickList([1.0, 2.5]).Select(t => t.Label).ToList();
        Assert.That(shortSpan, Does.Contain("20").And.Contain("50").And.Not.Contain("30"));
        var withinADecade = ChartRenderer.LogTickList([8.2, 8.9]).Select(t => t.Label).ToList();
        Assert.That(withinADecade, Does.Contain("3×10⁸").And.Contain("7×10⁸"));
    }

    [Test]
    public void PngHasTheSignatureAndTheSize()
    {
        byte[] png = new ChartRenderer(500, 300).Png(Sample());
        Assert.That(png.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        int w = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19], h = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23];
        Assert.That((w, h), Is.EqualTo((500, 300)));
        Assert.That(png.Length, Is.GreaterThan(5000), "not a blank image");
    }

    [Test]
    public void EachGroupHasOneColour()
    {
        string svg = new ChartRenderer().Svg(new Chart("t", new ChartAxis("x"), new ChartAxis("y"),
        [
            new ChartSeries("a points", [(1, 1), (2, 2)], SeriesStyle.Markers, Group: "a"),
            new ChartSeries("a line", [(1, 1.1), (2, 2.1)], SeriesStyle.Line, Group: "a"),
            new ChartSeries("b", [(1, 3), (2, 4)], SeriesStyle.Line),
        ]));
        // ScottPlot writes #4477AA as #47A.
        Assert.That(svg.ToUpperInvariant(), Does.Contain("#47A").And.Contain("#E67"));
        Assert.That(svg.ToUpperInvariant(), Does.Not.Contain("#283"), "two groups, two colours");
    }

    [Test]
    public void SvgRendersInHeadlessChromium()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ie-plot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            (string svg, string png) = new ChartRenderer().Save(Sample(), Path.Combine(dir, "loss"));
            Assert.That(File.Exists(png));
            string page = Path.Combine(dir, "page.html");
            File.WriteAllText(page, "<!DOCTYPE html><html><body>" + File.ReadAllText(svg) +
                "<script>const s=document.querySelector('svg');const b=s.getBBox();" +
                "document.body.setAttribute('data-box', Math.round(b.width)+'x'+Math.round(b.height));" +
                "document.body.setAttribute('data-texts', document.querySelectorAll('svg text').length);</script></body></html>");
            var (dom, log) = Chromium.DumpDom(page);
            Assert.That(dom, Does.Match("data-box=\"[1-9][0-9]+x[1-9][0-9]+\""), log);
            Assert.That(dom, Does.Match("data-texts=\"[1-9][0-9]*\""));
            Assert.That(dom, Does.Contain("width 1024"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
