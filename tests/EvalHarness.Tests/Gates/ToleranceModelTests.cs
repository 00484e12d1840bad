// ToleranceModelTests — the calibrated tolerance model against hand-worked numbers: Student-t quantiles against printed
// tables, the Bonferroni multiplier, σ's floors (resolution, magnitude), a calibrated baseline's mean/band/z-score, the
// round trip of calibration through the file, hand-edited tolerances winning over a recalibration, and the design
// false-alarm rate checked by simulation (the multiplier would fail it if it ignored N or M).
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Harness.Runs;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Gates;

[TestFixture]
public sealed class ToleranceModelTests
{
    // Two-sided/one-sided critical values from standard t tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    [TestCase(0.975, 1, 12.706)]
    [TestCase(0.975, 4, 2.776)]
    [TestCase(0.995, 4, 4.604)]
    [TestCase(0.999, 7, 4.785)]
    [TestCase(0.9995, 10, 4.587)]
    [TestCase(0.95, 30, 1.697)]
    [TestCase(0.975, double.PositiveInfinity, 1.960)]
    [TestCase(0.9999, double.PositiveInfinity, 3.719)]
    public void Quantiles_match_the_tables(double p, double df, double expected) =>
        Assert.That(StudentT.Quantile(p, df), Is.EqualTo(expected).Within(0.0015));

    [Test]
    public void Cdf_is_symmetric_and_inverts_the_quantile()
    {
        foreach (double df in new[] { 1.0, 2, 4, 9, 50 })
        foreach (double p in new[] { 0.6, 0.9, 0.99, 0.9999, 1 - 1e-7 })
        {
            double t = StudentT.Quantile(p, df);
            Assert.That(StudentT.Cdf(t, df), Is.EqualTo(p).Within(1e-9 * Math.Max(1, 1 / (1 - p))), $"df {df}, p {p}");
            Assert.That(StudentT.Cdf(-t, df), Is.EqualTo(1 - p).Within(1e-9), $"df {df}, p {p}");
        }
    }

    [Test]
    public void Multiplier_is_the_bonferroni_t_quantile_times_the_prediction_factor()
    {
        // N = 5 runs, M = 20 gated metrics, α = 0.01: t⁻¹(1 − 0.0005; 4) = 8.610 (tables), × √1.2.
        Assert.That(ToleranceModel.Multiplier(5, 20), Is.EqualTo(8.610 * Math.Sqrt(1.2)).Within(0.01));
        // More metrics → a stricter per-metric level → a wider band; more runs → a narrower one.
        Assert.That(ToleranceModel.Multiplier(5, 200), Is.GreaterThan(ToleranceModel.Multiplier(5, 100) + 0.5));
        Assert.That(ToleranceModel.Multiplier(10, 100), Is.LessThan(ToleranceModel.Multiplier(5, 100) - 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ToleranceModel.Multiplier(1, 10));
    }

    [Test]
    public void Sigma_is_the_largest_of_spread_stderr_and_the_floors()
    {
        Assert.That(ToleranceModel.Sigma(0.02, 0.01, 0, 0.5), Is.EqualTo(0.02));
        Assert.That(ToleranceModel.Sigma(0.002, 0.01, 0, 0.5), Is.EqualTo(0.01));
        // dead_frac of 128 latents, identical over seeds: half a step.
        Assert.That(ToleranceModel.Sigma(0, 0, 1.0 / 128, 0), Is.EqualTo(1.0 / 256));
        // a constant continuous metric (ce_clean over the same tokens): 1e-6 of its magnitude.
        Assert.That(ToleranceModel.Sigma(0, 0, 0, 3.5), Is.EqualTo(3.5e-6).Within(1e-18));
    }

    [Test]
    public void Calibrate_stores_the_mean_spread_and_band()
    {
        Calibration c = ToleranceModel.Calibrate([0.10, 0.12, 0.11, 0.13, 0.09], batchStderr: 0.001, resolution: 0, familySize: 50);
        // sample sd of {0.10, 0.12, 0.11, 0.13, 0.09} = √(0.001/4) = 0.0158114
        Assert.That(c.SeedSd, Is.EqualTo(Math.Sqrt(0.001 / 4)).Within(1e-12));
        Assert.That(c.Sigma, Is.EqualTo(c.SeedSd));
        Assert.That(c.Band, Is.EqualTo(ToleranceModel.Multiplier(5, 50) * c.SeedSd).Within(1e-12));
        Assert.That(c.Runs, Is.EqualTo(5));
        Assert.That(c.FamilySize, Is.EqualTo(50));
    }

    [Test]
    public void Simulated_false_alarm_rate_stays_under_the_design()
    {
        // 2,000 simulated profiles of M = 40 independent normal metrics, each calibrated on N = 5 draws and then judged
        // on a 6th from the same distribution: the share of profiles with any (one-sided) alarm must be ≤ α = 1 %.
        // With the normal quantile instead of Student's t (or without Bonferroni) the rate is several percent.
        var random = new Random(12345);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        const int profiles = 2000, metrics = 40, runs = 5;
        int alarms = 0, naiveAlarms = 0;
        double naive = StudentT.Quantile(1 - 0.01, double.PositiveInfinity);
        for (int p = 0; p < profiles; p++)
        {
            bool any = false, anyNaive = false;
            for (int m = 0; m < metrics; m++)
            {
                double[] values = [.. Enumerable.Range(0, runs).Select(_ => Normal())];
                Calibration c = ToleranceModel.Calibrate(values, 0, 0, metrics);
                double x = Normal(), delta = x - values.Average();
                any |= delta > c.Band;
                anyNaive |= delta > naive * c.SeedSd;
            }
            if (any) alarms++;
            if (anyNaive) naiveAlarms++;
        }
        Assert.That(alarms / (double)profiles, Is.LessThanOrEqualTo(0.01 + 3 * Math.Sqrt(0.01 * 0.99 / profiles)), "designed rate exceeded");
        Assert.That(naiveAlarms / (double)profiles, Is.GreaterThan(0.2), "the simulation would not catch an uncorrected band");
    }

    private static RunInfo Info() => new("r", "0.1.0", null, new InterpEval.Harness.Results.MachineInfo(2, "linux", null), "smoke", DateTimeOffset.UnixEpoch, 1, 0, "cpu", 2);

    private static MetricRecord R(string name, double value, MetricDirection d = MetricDirection.Lower, double? stderr = null, double? resolution = null) =>
        new("reconstruction", "topk", name, value, "", d, stderr, resolution);

    [Test]
    public void A_calibrated_baseline_gates_with_z_scores_and_round_trips()
    {
        string path = Path.Combine(Path.GetTempPath(), "ie-cal-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            IReadOnlyList<MetricRecord>[] runs =
            [
                [R("fvu", 0.30), R("dead_frac", 0, resolution: 1.0 / 64), R("l0", 16, MetricDirection.None)],
                [R("fvu", 0.31), R("dead_frac", 0, resolution: 1.0 / 64), R("l0", 16, MetricDirection.None)],
                [R("fvu", 0.29), R("dead_frac", 0, resolution: 1.0 / 64), R("l0", 16, MetricDirection.None)],
            ];
            Baseline b = BaselineUpdate.FromCalibration(path, Info(), runs, previous: null);
            BaselineEntry fvu = b.Entries["reconstruction/topk/fvu"];
            Assert.That(fvu.Value, Is.EqualTo(0.30).Within(1e-12));
            Assert.That(fvu.Calibration!.SeedSd, Is.EqualTo(0.01).Within(1e-12));
            Assert.That(fvu.Calibration.FamilySize, Is.EqualTo(2), "l0 (direction none) is not gated");
            Assert.That(fvu.Tolerance.Absolute, Is.EqualTo(ToleranceModel.Multiplier(3, 2) * 0.01).Within(1e-12));
            Assert.That(b.Entries["reconstruction/topk/dead_frac"].Calibration!.Sigma, Is.EqualTo(1.0 / 128));

            BaselineFile.Write(b);
            Baseline read = BaselineFile.Read(path);
            Assert.That(read.Entries["reconstruction/topk/fvu"].Calibration, Is.EqualTo(fvu.Calibration));
            Assert.That(read.Entries["reconstruction/topk/fvu"].ToleranceHandEdited, Is.False);

            double band = fvu.Tolerance.Absolute!.Value;
            GateResult g = Gate.Evaluate([R("fvu", 0.30 + band * 1.01), R("dead_frac", 0), R("l0", 16, MetricDirection.None)], read);
            MetricConclusion c = g.For("reconstruction/topk/fvu")!;
            Assert.That(c.Verdict, Is.EqualTo(Verdict.Regressed));
            Assert.That(c.Z, Is.EqualTo(band * 1.01 / 0.01).Within(1e-9));
            Assert.That(c.Message, Does.Contain(c.ZText).And.Contain("allowed ±"));
            Assert.That(Gate.Evaluate([R("fvu", 0.30 + band * 0.99), R("dead_frac", 0), R("l0", 16, MetricDirection.None)], read).Passed, Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_hand_edited_tolerance_survives_recalibration()
    {
        IReadOnlyList<MetricRecord>[] runs = [[R("fvu", 0.30), R("mse", 1.0)], [R("fvu", 0.32), R("mse", 1.1)]];
        Baseline first = BaselineUpdate.FromCalibration("b.json", Info(), runs, previous: null);
        BaselineEntry edited = first.Entries["reconstruction/topk/fvu"] with { Tolerance = new Tolerance(0.5, null) };
        var entries = first.Entries.ToDictionary(e => e.Key, e => e.Value);
        entries[edited.Key] = edited;
        Baseline previous = first with { Entries = entries };
        Assert.That(previous.Entries["reconstruction/topk/fvu"].ToleranceHandEdited, Is.True);
        Assert.That(previous.Entries["reconstruction/topk/mse"].ToleranceHandEdited, Is.False);

        IReadOnlyList<MetricRecord>[] again = [[R("fvu", 0.20), R("mse", 2.0)], [R("fvu", 0.21), R("mse", 2.5)]];
        Baseline second = BaselineUpdate.FromCalibration("b.json", Info(), again, previous);
        Assert.That(second.Entries["reconstruction/topk/fvu"].Tolerance.Absolute, Is.EqualTo(0.5), "the user's band wins");
        Assert.That(second.Entries["reconstruction/topk/fvu"].Value, Is.EqualTo(0.205).Within(1e-12), "the value is recalibrated");
        Assert.That(second.Entries["reconstruction/topk/mse"].Tolerance.Absolute,
            Is.EqualTo(second.Entries["reconstruction/topk/mse"].Calibration!.Band), "an untouched band is re-derived");
    }
}
