// GateTests — verdicts against hand-worked cases: the band is the wider of abs and rel·|baseline|, the stored direction
// decides better/worse, NaN is a regression, informational metrics never fail, out-of-scope suites are not missing.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Gates;

[TestFixture]
public sealed class GateTests
{
    private static MetricRecord R(string name, double value, MetricDirection d = MetricDirection.Lower, string suite = "s") =>
        new(suite, "subj", name, value, "", d);

    private static Baseline B(params BaselineEntry[] entries) =>
        new("b.json", "smoke", "0", null, DateTimeOffset.UnixEpoch, entries.ToDictionary(e => e.Key));

    private static BaselineEntry E(string name, double value, MetricDirection d, double? abs, double? rel, string suite = "s") =>
        new($"{suite}/subj/{name}", value, d, new Tolerance(abs, rel));

    [TestCase(0.105, "same")]      // |Δ| = 0.005 ≤ max(0.001, 0.1·0.1 = 0.01)
    [TestCase(0.111, "regressed")] // Δ = +0.011 > 0.01, lower is better
    [TestCase(0.089, "improved")]  // Δ = −0.011
    public void Lower_is_better_with_the_wider_band(double value, string expected)
    {
        GateResult g = Gate.Evaluate([R("fvu", value)], B(E("fvu", 0.1, MetricDirection.Lower, 0.001, 0.1)));
        Assert.That(g.Conclusions.Single().Verdict.Name(), Is.EqualTo(expected));
        Assert.That(g.Conclusions.Single().Allowed, Is.EqualTo(0.01).Within(1e-15));
    }

    [Test]
    public void Higher_is_better_uses_the_stored_direction()
    {
        GateResult g = Gate.Evaluate([R("fve", 0.8, MetricDirection.Lower)], B(E("fve", 0.9, MetricDirection.Higher, 0.01, null)));
        Assert.That(g.Conclusions.Single().Verdict, Is.EqualTo(Verdict.Regressed));
        Assert.That(g.Passed, Is.False);
    }

    [Test]
    public void NaN_regresses_and_informational_metrics_never_fail()
    {
        GateResult g = Gate.Evaluate([R("fvu", double.NaN), R("l0", 100, MetricDirection.None)],
            B(E("fvu", 0.1, MetricDirection.Lower, 0.01, null), E("l0", 16, MetricDirection.None, 0.01, null)));
        Assert.That(g.For("s/subj/fvu")!.Verdict, Is.EqualTo(Verdict.Regressed));
        Assert.That(g.For("s/subj/l0")!.Verdict, Is.EqualTo(Verdict.Same));
    }

    [Test]
    public void New_and_missing_and_out_of_scope()
    {
        Baseline b = B(E("fvu", 0.1, MetricDirection.Lower, 0.01, null), E("gone", 1, MetricDirection.Lower, 0.01, null),
            E("other", 1, MetricDirection.Lower, 0.01, null, suite: "t"));
        GateResult g = Gate.Evaluate([R("fvu", 0.1), R("fresh", 3)], b, new HashSet<string> { "s" });
        Assert.That(g.Conclusions.Select(c => $"{c.Key}:{c.Verdict.Name()}"),
            Is.EqualTo(new[] { "s/subj/fresh:new", "s/subj/fvu:same", "s/subj/gone:missing" }));
        Assert.That(g.Passed, Is.False, "missing fails by default");
        Assert.That(Gate.Evaluate([R("fvu", 0.1)], b, new HashSet<string> { "s" }, failOnMissing: false).Passed, Is.True);
    }

    [TestCase("fvu", 0.01, null)]
    [TestCase("ce_loss_recovered", 0.01, null)]
    [TestCase("probe_f1/dna", 0.01, null)]
    [TestCase("mse", 1e-6, 0.02)]
    [TestCase("kl", 1e-6, 0.02)]
    [TestCase("l0", 0.01, 0.05)]
    public void Default_tolerance_by_metric_kind(string name, double? abs, double? rel) =>
        Assert.That(ToleranceDefaults.For(name), Is.EqualTo(new Tolerance(abs, rel)));
}
