// FitCommandTests — `interp-eval fit` end to end through the real entry point: the JSON fields and a known law
// recovered from a CSV, text output, the knobs (--bootstrap, --seed, --no-offset) each changing what they should, and
// bad input (missing file or column, a non-number, non-positive x, too few points) as exit 2 with one line.
using System.Globalization;
using System.Text.Json;

namespace InterpEval.Harness.Tests.Commands;

public class FitCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-fit-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Csv(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>y = 40·C^−0.35 + 1.5 at 10 computes, with a small deterministic wiggle (so the bootstrap has spread).</summary>
    private string LawCsv(bool wiggle = true)
    {
        var lines = new List<string> { "flops,loss,width" };
        for (int i = 0; i < 10; i++)
        {
            double c = Math.Pow(10, 3 + 0.6 * i), y = (40 * Math.Pow(c, -0.35) + 1.5) * (wiggle ? 1 + 0.02 * Math.Sin(3 * i) : 1);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{c:R},{y:R},{256 << (i % 4)}"));
        }
        return Csv("points.csv", string.Join("\n", lines) + "\n");
    }

    private static JsonElement Json(CliResult r)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static double[] Ci(JsonElement j, string p) => j.GetProperty("ci95").GetProperty(p).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Test]
    public void JsonHasTheParametersAndTheirIntervals()
    {
        JsonElement j = Json(CliRunner.Run("fit", "--in", LawCsv(wiggle: false), "--x", "flops", "--y", "loss", "--json", "--bootstrap", "50"));
        Assert.That(j.GetProperty("b").GetDouble(), Is.EqualTo(0.35).Within(1e-7));
        Assert.That(j.GetProperty("a").GetDouble(), Is.EqualTo(40).Within(1e-5));
        Assert.That(j.GetProperty("c").GetDouble(), Is.EqualTo(1.5).Within(1e-7));
        foreach (string p in new[] { "a", "b", "c" }) Assert.That(Ci(j, p), Has.Length.EqualTo(2), p);
        Assert.That(j.GetProperty("n").GetInt32(), Is.EqualTo(10));
        Assert.That(j.GetProperty("r2_log").GetDouble(), Is.EqualTo(1).Within(1e-9));
        Assert.That(j.GetProperty("exact").GetBoolean(), Is.False);
        string three = Csv("three.csv", "x,y\n1,3\n10,2\n100,1.5\n");
        JsonElement exact = Json(CliRunner.Run("fit", "--in", three, "--x", "x", "--y", "y", "--json", "--bootstrap", "20"));
        Assert.That(exact.GetProperty("exact").GetBoolean(), Is.True, "3 points, 3 parameters");
    }

    [Test]
    public void TextNamesEachParameterWithItsInterval()
    {
        CliResult r = CliRunner.Run("fit", "--in", LawCsv(), "--x", "flops", "--y", "loss", "--bootstrap", "50");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("loss = a·flops^−b + c"));
        Assert.That(r.Stdout, Does.Match(@"\n  b = 0\.3\d+ +95 % \[0\.\d+, 0\.\d+\]"));
        Assert.That(r.Stdout, Does.Contain("50 bootstrap resamples"));
    }

    [Test]
    public void BootstrapCountAndSeedChangeTheIntervalsAndNoOffsetFixesC()
    {
        string csv = LawCsv();
        string[] common = ["fit", "--in", csv, "--x", "flops", "--y", "loss", "--json"];
        JsonElement a = Json(CliRunner.Run([.. common, "--bootstrap", "40", "--seed", "1"]));
        JsonElement sameSeed = Json(CliRunner.Run([.. common, "--bootstrap", "40", "--seed", "1"]));
        JsonElement otherSeed = Json(CliRunner.Run([.. common, "--bootstrap", "40", "--seed", "2"]));
        JsonElement more = Json(CliRunner.Run([.. common, "--bootstrap", "80", "--seed", "1"]));
        Assert.That(Ci(sameSeed, "b"), Is.EqualTo(Ci(a, "b")));
        Assert.That(Ci(otherSeed, "b"), Is.Not.EqualTo(Ci(a, "b")), "--seed");
        Assert.That(more.GetProperty("bootstrap").GetInt32(), Is.EqualTo(80));
        Assert.That(Ci(more, "b"), Is.Not.EqualTo(Ci(a, "b")), "--bootstrap");
        JsonElement pure = Json(CliRunner.Run([.. common, "--bootstrap", "20", "--no-offset"]));
        Assert.That(pure.GetProperty("c").GetDouble(), Is.EqualTo(0));
        Assert.That(pure.GetProperty("b").GetDouble(), Is.Not.EqualTo(a.GetProperty("b").GetDouble()).Within(0.05), "without c the exponent must absorb the floor");
    }

    [TestCase("flops,loss\n1,2\n", "width", "loss", "no column 'width' (--x) — the header has flops, loss")]
    [TestCase("flops,loss\n1,2\n10,x\n100,0.5\n", "flops", "loss", "data row 2, column 'loss': 'x' is not a number")]
    [TestCase("flops,loss\n1,2\n0,1\n100,0.5\n", "flops", "loss", "point 2: x is 0")]
    [TestCase("flops,loss\n1,2\n-10,1\n100,0.5\n", "flops", "loss", "point 2: x is -10")]
    [TestCase("flops,loss\n1,2\n10,1\n", "flops", "loss", "2 points (2 distinct x) — fitting 3 parameters needs at least 3")]
    public void BadPointsAreExit2WithOneLine(string text, string x, string y, string fault)
    {
        string csv = Csv("bad.csv", text);
        CliResult r = CliRunner.Run("fit", "--in", csv, "--x", x, "--y", y);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Stderr, Does.StartWith($"interp-eval: {csv}: "));
        Assert.That(r.Stderr, Does.Contain(fault));
    }

    [Test]
    public void AMissingFileIsExit2()
    {
        CliResult r = CliRunner.Run("fit", "--in", Path.Combine(_dir, "nope.csv"), "--x", "a", "--y", "b");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("nope.csv: file not found"));
    }
}
