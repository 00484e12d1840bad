// CompareAndHistoryTests — without training anything: results.json round-trips through ResultsJson; `compare` of two
// results files prints each key with B − A and names the better side; the SQLite history stores runs (WAL mode) and
// `compare` finds a stored run by its history id.
using InterpEval.Harness.Exporters;
using InterpEval.Harness.History;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tests.Exporters;
using InterpEval.Suites;
using Microsoft.Data.Sqlite;

namespace InterpEval.Harness.Tests.Runs;

[TestFixture]
public sealed class CompareAndHistoryTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-compare-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, RunResult run)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, ExporterSet.Render(new JsonResultsExporter(), run));
        return path;
    }

    private static RunResult Shifted(double fvu) => RunResult.RecordsOnly(SampleRuns.Info with { RunId = "b" },
        SampleRuns.Records.Select(r => r.Key == SampleRuns.RegressedKey ? r with { Value = fvu } : r).ToList());

    [Test]
    public void Results_json_reads_back_what_was_written()
    {
        RunResult read = ResultsJson.Read(Write("a.json", SampleRuns.Gated()));
        Assert.That(read.Records, Is.EqualTo(SampleRuns.Records));
        Assert.That(read.Info, Is.EqualTo(SampleRuns.Info with { DurationSeconds = 12.346 }));
    }

    [Test]
    public void Compare_files_shows_the_delta_and_the_better_side()
    {
        CliResult r = CliRunner.Run("compare", Write("a.json", SampleRuns.RecordsOnly()), Write("b.json", Shifted(0.1023)), "--db", Path.Combine(_dir, "none.db"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string line = r.Stdout.Split('\n').Single(l => l.Contains(SampleRuns.RegressedKey));
        Assert.That(line, Does.Contain("0.1523").And.Contain("0.1023").And.Contain("-0.05").And.Contain("-32.83 %"));
        Assert.That(line.TrimEnd(), Does.EndWith("B"), "lower fvu is better: B");
    }

    [Test]
    public void History_stores_runs_in_wal_mode_and_compare_reads_them_by_id()
    {
        string db = Path.Combine(_dir, "h.db");
        using (HistoryDb h = HistoryDb.Open(db, create: true))
        {
            Assert.That(h.Append(SampleRuns.Gated()), Is.EqualTo(1));
            Assert.That(h.Append(Shifted(0.2) with { Info = SampleRuns.Info with { RunId = "second" } }), Is.EqualTo(2));
            IReadOnlyList<HistoryPoint> fvu = h.Metric("fvu");
            Assert.That(fvu.Where(p => p.Key == SampleRuns.RegressedKey).Select(p => p.Value), Is.EqualTo(new[] { 0.1523, 0.2 }));
            Assert.That(fvu.First(p => p.Key == SampleRuns.RegressedKey).Verdict, Is.EqualTo("regressed"));
            Assert.That(h.Runs().Select(x => x.Passed), Is.EqualTo(new bool?[] { false, null }));
        }
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using SqliteCommand q = c.CreateCommand();
            q.CommandText = "PRAGMA journal_mode;";
            Assert.That(q.ExecuteScalar(), Is.EqualTo("wal"));
        }
        CliResult r = CliRunner.Run("compare", "1", "second", "--db", db);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("+0.0477"));
    }

    [Test]
    public void Compare_of_an_unknown_run_is_exit_2()
    {
        CliResult r = CliRunner.Run("compare", "7", "8", "--db", Path.Combine(_dir, "none.db"));
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
    }
}
