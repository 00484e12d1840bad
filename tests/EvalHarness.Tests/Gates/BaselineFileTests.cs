// BaselineFileTests — the baseline file round-trips (values exactly, tolerances, line numbers); every malformed file is
// one InvalidDataException naming the file; an update interrupted between the temp write and the rename leaves the old
// file byte-for-byte intact and no temp file behind; an update keeps the tolerances a user edited.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tests.Exporters;
using InterpEval.Suites;

namespace InterpEval.Harness.Tests.Gates;

[TestFixture]
public sealed class BaselineFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-baseline-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private Baseline Sample(string name = "smoke.json") => SampleRuns.Baseline with { Path = Path.Combine(_dir, name) };

    [Test]
    public void Round_trips_values_tolerances_and_lines()
    {
        Baseline b = Sample();
        BaselineFile.Write(b);
        Baseline read = BaselineFile.Read(b.Path);
        Assert.That(read.Entries.Keys, Is.EquivalentTo(b.Entries.Keys));
        foreach (BaselineEntry e in b.Entries.Values)
        {
            BaselineEntry r = read.Entries[e.Key];
            Assert.That((r.Value, r.Direction, r.Tolerance, r.Unit), Is.EqualTo((e.Value, e.Direction, e.Tolerance, e.Unit)), e.Key);
            Assert.That(File.ReadAllLines(b.Path)[r.Line - 1], Does.Contain($"\"{e.Key}\""), "line points at the key");
        }
    }

    [TestCase("{", "not valid JSON")]
    [TestCase("[]", "expected a JSON object")]
    [TestCase("""{"schema_version": 9, "metrics": {}}""", "schema_version is 9")]
    [TestCase("""{"schema_version": 1}""", "'metrics' is missing")]
    [TestCase("""{"schema_version": 1, "metrics": {"a/b/c": {"value": "x", "direction": "lower", "tolerance": {"abs": 0.1}}}}""", "'value' is string")]
    [TestCase("""{"schema_version": 1, "metrics": {"a/b/c": {"value": 1, "direction": "up", "tolerance": {"abs": 0.1}}}}""", "direction is 'up'")]
    [TestCase("""{"schema_version": 1, "metrics": {"a/b/c": {"value": 1, "direction": "lower", "tolerance": {}}}}""", "neither abs nor rel")]
    [TestCase("""{"schema_version": 1, "metrics": {"a/b/c": {"value": 1, "direction": "lower", "tolerance": {"rel": -1}}}}""", "rel is -1")]
    [TestCase("""{"schema_version": 1, "metrics": {"abc": {"value": 1, "direction": "lower", "tolerance": {"rel": 1}}}}""", "not suite/subject/name")]
    public void Malformed_file_is_one_line_naming_the_file(string text, string fault)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<InvalidDataException>(() => BaselineFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(fault).And.Not.Contain("\n"));
    }

    [Test]
    public void Missing_file_is_file_not_found() =>
        Assert.Throws<FileNotFoundException>(() => BaselineFile.Read(Path.Combine(_dir, "none.json")));

    [Test]
    public void Interrupted_update_leaves_the_old_file_intact()
    {
        Baseline old = Sample();
        BaselineFile.Write(old);
        byte[] before = File.ReadAllBytes(old.Path);
        Baseline changed = old with { Entries = new Dictionary<string, BaselineEntry>() };
        string? temp = null;
        Assert.Throws<IOException>(() => BaselineFile.Write(changed, beforeRename: t =>
        {
            temp = t;
            Assert.That(File.Exists(t), Is.True, "the new content is fully written to the temp file first");
            throw new IOException("simulated crash between the temp write and the rename");
        }));
        Assert.That(File.ReadAllBytes(old.Path), Is.EqualTo(before));
        Assert.That(temp, Is.Not.Null);
        Assert.That(File.Exists(temp!), Is.False, "no temp file left behind");
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void Update_keeps_edited_tolerances_and_gives_new_metrics_the_default()
    {
        Baseline previous = Sample();
        var records = new List<MetricRecord>
        {
            new("reconstruction", "topk-resid2", "fvu", 0.2, "", MetricDirection.Lower),
            new("reconstruction", "topk-resid2", "mse", 3.5, "", MetricDirection.Lower),
        };
        Baseline next = BaselineUpdate.From(previous.Path, SampleRuns.Info, records, previous, new HashSet<string> { "reconstruction" });
        Assert.That(next.Entries[SampleRuns.RegressedKey].Tolerance, Is.EqualTo(new Tolerance(0.01, null)));
        Assert.That(next.Entries[SampleRuns.RegressedKey].Value, Is.EqualTo(0.2));
        Assert.That(next.Entries["reconstruction/topk-resid2/mse"].Tolerance, Is.EqualTo(ToleranceDefaults.Loss));
        Assert.That(next.Entries.ContainsKey("sparsity/topk-resid2/l0"), Is.True, "entries of suites that did not run are kept");
        Assert.That(next.Entries.ContainsKey("reconstruction/topk-resid2/cosine"), Is.False, "a ran suite's vanished metric is dropped");
    }
}
