// ConcurrencyTests — two writers at once (DESIGN §12, issue 10 item 7): two connections appending to one history
// database from two threads both succeed and no row is lost (WAL + BEGIN IMMEDIATE + busy timeout); a second run on an
// output folder another run holds is refused with one line (OutputLock), and the folder is free again once released.
using InterpEval.Harness.History;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tests.Exporters;

namespace InterpEval.Harness.Tests.Hostile;

[TestFixture]
public sealed class ConcurrencyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ie-concurrent-" + Guid.NewGuid().ToString("N")[..8]));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Two_writers_appending_at_once_lose_no_row()
    {
        string db = Path.Combine(_dir, "history.db");
        const int each = 25;
        using var start = new Barrier(2);
        var ids = new System.Collections.Concurrent.ConcurrentBag<long>();
        Task Writer(string name) => Task.Run(() =>
        {
            start.SignalAndWait();
            using HistoryDb h = HistoryDb.Open(db, create: true);                          // its own connection, schema set-up raced too
            for (int i = 0; i < each; i++)
                ids.Add(h.Append(SampleRuns.Gated() with { Info = SampleRuns.Info with { RunId = $"{name}-{i}" } }));
        });
        Task.WaitAll(Writer("a"), Writer("b"));

        Assert.That(ids, Has.Count.EqualTo(2 * each));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(2 * each));
        using HistoryDb read = HistoryDb.Open(db, create: false);
        IReadOnlyList<HistoryRun> runs = read.Runs(limit: 1000);
        Assert.That(runs.Select(r => r.RunId), Is.EquivalentTo(Enumerable.Range(0, each).SelectMany(i => new[] { $"a-{i}", $"b-{i}" })));
        Assert.That(read.Metric("fvu", limit: 1000).Count(p => p.Key == SampleRuns.RegressedKey), Is.EqualTo(2 * each), "every run's metric rows too");
    }

    [Test]
    public void A_reader_leaves_no_journal_files_and_creates_no_tables()
    {
        string db = Path.Combine(_dir, "empty.db");
        File.WriteAllBytes(db, []);
        CliResult r = CliRunner.Run("history", "--db", db);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(new FileInfo(db).Length, Is.Zero, "history only reads");
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "empty.db" }));
    }

    [Test]
    public void A_second_run_on_a_held_output_folder_is_refused_with_one_line()
    {
        string outDir = Path.Combine(_dir, "out");
        using (OutputLock.Acquire(outDir))
        {
            CliResult second = CliRunner.Run("run", "--profile", "smoke", "--out", outDir, "--set", "history=");
            Assert.That(second.ExitCode, Is.EqualTo(2), second.ToString());
            Assert.That(second.StderrLines, Has.Length.EqualTo(1));
            Assert.That(second.Stderr, Does.Contain(outDir).And.Contain("another interp-eval run").And.Contain(OutputLock.FileName));
            Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EqualTo(new[] { OutputLock.FileName }), "nothing written beside the lock");
        }
        using (OutputLock.Acquire(outDir)) { }                                              // released: free again
    }
}
