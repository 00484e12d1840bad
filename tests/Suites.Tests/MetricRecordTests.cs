// MetricRecordTests — the record's baseline key and the direction names files use.
namespace InterpEval.Suites.Tests;

public class MetricRecordTests
{
    [Test]
    public void KeyJoinsSuiteSubjectAndName()
    {
        var r = new MetricRecord("reconstruction", "topk-l2", "fvu", 0.25, "", MetricDirection.Lower);
        Assert.That(r.Key, Is.EqualTo("reconstruction/topk-l2/fvu"));
    }

    [TestCase(MetricDirection.Higher, "higher")]
    [TestCase(MetricDirection.Lower, "lower")]
    [TestCase(MetricDirection.None, "none")]
    public void DirectionNamesRoundTrip(MetricDirection d, string name)
    {
        Assert.That(d.Name(), Is.EqualTo(name));
        Assert.That(MetricDirections.TryParse(name, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(d));
    }

    [Test]
    public void UnknownDirectionIsRefused() => Assert.That(MetricDirections.TryParse("up", out _), Is.False);
}
