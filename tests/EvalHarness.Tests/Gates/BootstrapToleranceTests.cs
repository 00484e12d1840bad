// BootstrapTolerance: the normal quantiles against printed tables, the band k·σ from an interval, its false-alarm rate
// by simulation (two estimates with the same sampling error, the band at Bonferroni level over M metrics), and the
// calibration's method and interval surviving a baseline file round trip.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Gates;

public class BootstrapToleranceTests
{
    [TestCase(0.975, 1.959964)]
    [TestCase(0.995, 2.575829)]
    [TestCase(0.99, 2.326348)]
    [TestCase(0.001, -3.090232)]
    public void NormalQuantilesMatchPrintedTables(double p, double z) => Assert.That(BootstrapTolerance.NormalQuantile(p), Is.EqualTo(z).Within(2e-6));

    [Test]
    public void TheBandIsKSigmaFromTheInterval()
    {
        Calibration c = BootstrapTolerance.Calibrate(0.5, 0.3, 0.7, 1000, 10);
        Assert.That(c.Sigma, Is.EqualTo(0.4 / 3.919928).Within(1e-6));
        Assert.That(c.Multiplier, Is.EqualTo(3.090232 * Math.Sqrt(2)).Within(1e-5));   // Φ⁻¹(1 − 0.01/10)·√2
        Assert.That(c.Band, Is.EqualTo(c.Multiplier * c.Sigma));
        Assert.That(c.Method, Is.EqualTo(Calibration.BootstrapMethod));
        Assert.That(c.Ci95, Is.EqualTo(new[] { 0.3, 0.7 }));
        Assert.That(() => BootstrapTolerance.Calibrate(0.5, 0.7, 0.3, 1000, 10), Throws.ArgumentException);
    }

    [Test]
    public void FalseAlarmsStayUnderTheFamilyRate()
    {
        // M metrics, each estimated twice with sd σ (stored and new); one-sided alarm when new − stored < −band.
        const int m = 20, trials = 20000;
        var rng = new Random(5);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double band = BootstrapTolerance.Multiplier(m);
        int families = 0, naive = 0;
        for (int t = 0; t < trials; t++)
        {
            bool alarm = false, naiveAlarm = false;
            for (int i = 0; i < m; i++)
            {
                double d = Normal() - Normal();
                alarm |= d < -band;
                naiveAlarm |= d < -BootstrapTolerance.NormalQuantile(0.99);   // σ without √2 and Bonferroni
            }
            families += alarm ? 1 : 0;
            naive += naiveAlarm ? 1 : 0;
        }
        Assert.That(families / (double)trials, Is.LessThanOrEqualTo(0.012));
        Assert.That(naive / (double)trials, Is.GreaterThan(0.3), "the uncorrected band would alarm far more often");
    }

    [Test]
    public void MethodAndIntervalSurviveTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "ie-boot-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            Calibration c = BootstrapTolerance.Calibrate(0.5, 0.3, 0.7, 1000, 4);
            var entry = new BaselineEntry("scaling/topk-k16/loss_vs_compute/b", 0.5, MetricDirection.Higher, new Tolerance(c.Band, null), "", 1, c);
            BaselineFile.Write(new Baseline(path, "full", "0.1.0", null, DateTimeOffset.UnixEpoch, new Dictionary<string, BaselineEntry> { [entry.Key] = entry }));
            Calibration read = BaselineFile.Read(path).Entries[entry.Key].Calibration!;
            Assert.That(read.Method, Is.EqualTo(Calibration.BootstrapMethod));
            Assert.That(read.Ci95, Is.EqualTo(new[] { 0.3, 0.7 }));
            Assert.That(read.Sigma, Is.EqualTo(c.Sigma));
            Assert.That(BaselineFile.Read(path).Entries[entry.Key].ToleranceHandEdited, Is.False);
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"bootstrap\"", "\"guess\""));
            Assert.That(() => BaselineFile.Read(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("method is 'guess'"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
