// SweepCommandTests — `interp-eval sweep` on the embedded model with a tiny grid (2 widths × 2 budgets): the outputs
// (points.csv with FLOPs as TrainingFlops counts them, fits.json, the plots as valid SVG with their series, rendered in
// headless Chromium, and PNG), a sweep interrupted after its first evaluated point and resumed equal to an
// uninterrupted one, and bad grids as exit 2 with one line.
using System.Text.Json;
using System.Xml.Linq;
using InterpEval.Harness.Commands.Sweep;
using InterpEval.Harness.Tool;
using InterpEval.Harness.Tests.Interpret;
using InterpEval.Harness.Tests.Plots;
using InterpEval.Torch;

namespace InterpEval.Harness.Tests.Commands;

public class SweepCommandTests
{
    private string _root = "", _config = "";

    private SweepOptions Options(string outDir) => new(_config, [32, 64], [1024, 2048], ["topk"], [8], [], 1, outDir, ["reconstruction", "sparsity"], 50);

    [OneTimeSetUp]
    public void SweepOnce()
    {
        _root = Path.Combine(Path.GetTempPath(), "ie-sweep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        _config = Path.Combine(_root, "sweep.json");
        File.WriteAllText(_config, """{ "eval": { "tokens": 512 }, "training": { "batch_tokens": 256, "buffer_tokens": 1024 } }""");
        var stdout = new StringWriter();
        Assert.That(new SweepHandler(stdout, new PlainProgress(null)).Run(Options(Path.Combine(_root, "full")), Device.Cpu), Is.EqualTo(ExitCode.Ok));
        TestContext.Out.WriteLine(stdout);
    }

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    private string Full(string name) => Path.Combine(_root, "full", name);

    [Test]
    public void PointsCarryTheirFlopsAndMetrics()
    {
        string[] lines = File.ReadAllLines(Full("points.csv"));
        Assert.That(lines, Has.Length.EqualTo(5));
        string[] header = lines[0].Split(',');
        var row = lines.Skip(1).Select(l => l.Split(',')).Single(r => r[0] == "topk-k8-w64-t2048-s0");
        // d_model 128 of the embedded model: (2·128·64 + 8·128·8) FLOPs × 2048 tokens.
        Assert.That(double.Parse(row[Array.IndexOf(header, "flops")], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo((2.0 * 128 * 64 + 8 * 128 * 8) * 2048));
        Assert.That(header, Does.Contain("fvu").And.Contain("l0").And.Contain("dead_frac"));
        string report = File.ReadAllText(Full("report.html"));
        Assert.That(report, Does.Contain("loss_vs_compute").And.Contain("compute-optimal width at").And.Contain("<svg"), "the report's sweep section");
        using var fits = JsonDocument.Parse(File.ReadAllText(Full("fits.json")));
        Assert.That(fits.RootElement.GetProperty("architectures").TryGetProperty("topk-k8", out _));
    }

    [Test]
    public void PlotsAreValidSvgWithTheirSeriesAndPng()
    {
        foreach (string name in new[] { "loss_vs_compute", "l0_vs_fve", "dead_vs_width", "density_by_width", "feature_splitting" })
        {
            string svg = File.ReadAllText(Full(Path.Combine("plots", name + ".svg")));
            Assert.DoesNotThrow(() => XDocument.Parse(svg), name);
            byte[] png = File.ReadAllBytes(Full(Path.Combine("plots", name + ".png")));
            Assert.That(png.Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), name);
        }
        Assert.That(ChartRendererTests.Texts(File.ReadAllText(Full("plots/loss_vs_compute.svg"))),
            Does.Contain("width 32").And.Contain("width 64").And.Contain("topk-k8 compute-optimal"));
        Assert.That(ChartRendererTests.Texts(File.ReadAllText(Full("plots/density_by_width.svg"))), Does.Contain("width 32").And.Contain("width 64"));
        Assert.That(ChartRendererTests.Texts(File.ReadAllText(Full("plots/l0_vs_fve.svg"))), Does.Contain("topk-k8 Pareto front"));
        string page = Path.Combine(_root, "plots.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body>" + File.ReadAllText(Full("plots/loss_vs_compute.svg")) +
            "<script>document.body.setAttribute('data-box', Math.round(document.querySelector('svg').getBBox().width));</script></body></html>");
        var (dom, log) = Chromium.DumpDom(page);
        Assert.That(dom, Does.Match("data-box=\"[1-9][0-9]+\""), log);
        Assert.That(dom, Does.Contain("width 64"));
    }

    [Test]
    public void AResumedSweepEqualsAnUninterruptedOne()
    {
        string outDir = Path.Combine(_root, "resumed");
        int evaluated = 0;
        var interrupted = new SweepHandler(TextWriter.Null, new PlainProgress(null))
        {
            AfterPoint = _ => { if (++evaluated == 1) throw new OperationCanceledException("interrupted"); },
        };
        Assert.Throws<OperationCanceledException>(() => interrupted.Run(Options(outDir), Device.Cpu));
        Assert.That(File.Exists(Path.Combine(outDir, "points.csv")), Is.False, "nothing summarised yet");
        Assert.That(new SweepHandler(TextWriter.Null, new PlainProgress(null)).Run(Options(outDir), Device.Cpu), Is.EqualTo(ExitCode.Ok));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "points.csv")), Is.EqualTo(File.ReadAllText(Full("points.csv"))));
        using var a = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fits.json")));
        using var b = JsonDocument.Parse(File.ReadAllText(Full("fits.json")));
        Assert.That(a.RootElement.GetProperty("architectures").GetRawText(), Is.EqualTo(b.RootElement.GetProperty("architectures").GetRawText()));
    }

    [TestCase("--tokens", "100", "--tokens: every budget must be at least one batch")]
    [TestCase("--arch", "dense", "--arch: unknown architecture 'dense'")]
    [TestCase("--widths", "64,x", "--widths: 'x' is not a valid value")]
    [TestCase("--k", "100", "--k: each k must be from 1 to the smallest width")]
    public void BadGridsAreExit2WithOneLine(string option, string value, string fault)
    {
        var args = new Dictionary<string, string> { ["--widths"] = "32,64", ["--tokens"] = "1024", ["--k"] = "8", ["--config"] = _config, ["--out"] = Path.Combine(_root, "bad") };
        args[option] = value;
        CliResult r = CliRunner.Run(["sweep", .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Stderr, Does.Contain(fault));
    }
}
