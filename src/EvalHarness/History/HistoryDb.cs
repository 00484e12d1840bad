// HistoryDb — the run history: a SQLite file (WAL mode) with one row per run (facts, pass/fail, the whole results.json)
// and one row per metric. Append is one BEGIN IMMEDIATE transaction with a busy timeout, so an interrupted run leaves no
// partial row and runs appending at once wait for each other instead of failing. Readers (`history`, `compare`) open the
// file read-only: they never create tables, change the journal mode or leave -wal/-shm files beside a file they refuse.
// A file that is not SQLite, or is corrupt, is one InvalidDataException naming it. It formats nothing.
using System.Globalization;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Suites;
using Microsoft.Data.Sqlite;

namespace InterpEval.Harness.History;

/// <param name="Id">The history's row id (what `compare` accepts).</param>
/// <param name="RunId">The run's own id.</param>
/// <param name="StartedUtc">When it started.</param>
/// <param name="Profile">Its profile.</param>
/// <param name="GitCommit">Its commit, or null.</param>
/// <param name="Passed">The gate's outcome, or null when not gated.</param>
public sealed record HistoryRun(long Id, string RunId, DateTimeOffset StartedUtc, string Profile, string? GitCommit, bool? Passed);

/// <param name="Run">The run.</param>
/// <param name="Key">suite/subject/name.</param>
/// <param name="Value">Its value (NaN stored as NULL comes back as NaN).</param>
/// <param name="Verdict">The verdict, or null when not gated.</param>
public sealed record HistoryPoint(HistoryRun Run, string Key, double Value, string? Verdict);

public sealed class HistoryDb : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _connection;

    private HistoryDb(SqliteConnection connection) => _connection = connection;

    public string Path { get; private init; } = "";

    /// <summary>How long a writer waits for another run's transaction before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(60);

    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    /// <summary>Opens the database: with create, for appending (made when missing, WAL mode, schema in place); without,
    /// read-only for queries (the file must exist and hold this tool's schema; nothing is written).</summary>
    public static HistoryDb Open(string path, bool create)
    {
        if (!create && !File.Exists(path)) throw new FileNotFoundException($"{path}: no run history yet (every `interp-eval run` appends to it)", path);
        if (File.Exists(path)) CheckHeader(path);
        if (create && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = false, Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadOnly,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var db = new HistoryDb(connection) { Path = path };
            db.Execute($"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
            if (create) db.EnsureSchema();
            else db.CheckSchema();
            return db;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Unusable(path, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Refuses, before SQLite touches it, a non-empty file that does not start with SQLite's 16-byte magic.</summary>
    private static void CheckHeader(string path)
    {
        var head = new byte[SqliteMagic.Length];
        int read;
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            read = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == 0) return;                                                             // SQLite's empty database
        if (read < head.Length || !head.AsSpan().SequenceEqual(SqliteMagic))
            throw new InvalidDataException($"{path}: not a run history (not an SQLite database)");
    }

    private static InvalidDataException Unusable(string path, SqliteException e) =>
        new($"{path}: not a usable run history ({e.Message.Split('\n')[0]})");

    /// <summary>A writer's set-up: WAL mode (readers never block the appender), the tables, the schema version.</summary>
    private void EnsureSchema()
    {
        Execute("PRAGMA journal_mode=WAL;");
        long version = (long)Scalar("PRAGMA user_version;")!;
        if (version > SchemaVersion) throw new InvalidDataException($"{Path}: history schema {version} is newer than this tool's {SchemaVersion}");
        Execute("""
            CREATE TABLE IF NOT EXISTS runs (
              id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, started_utc TEXT NOT NULL, profile TEXT NOT NULL,
              tool_version TEXT NOT NULL, git_commit TEXT, machine TEXT NOT NULL, seed INTEGER NOT NULL, duration_s REAL NOT NULL,
              passed INTEGER, baseline TEXT, results_json TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS metrics (
              run INTEGER NOT NULL REFERENCES runs(id), key TEXT NOT NULL, suite TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL,
              value REAL, unit TEXT NOT NULL, direction TEXT NOT NULL, stderr REAL, verdict TEXT, PRIMARY KEY (run, key));
            CREATE INDEX IF NOT EXISTS metrics_key ON metrics(key);
            """);
        Execute($"PRAGMA user_version = {SchemaVersion};");
    }

    /// <summary>A reader's check: the tables exist and the schema is not newer than this tool's.</summary>
    private void CheckSchema()
    {
        long version = (long)Scalar("PRAGMA user_version;")!;
        if (version > SchemaVersion) throw new InvalidDataException($"{Path}: history schema {version} is newer than this tool's {SchemaVersion}");
        long tables = (long)Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'metrics');")!;
        if (tables != 2) throw new InvalidDataException($"{Path}: not a run history of this tool (no runs and metrics tables)");
    }

    /// <summary>Appends a finished run in one transaction; returns its history id.</summary>
    public long Append(RunResult run)
    {
        try
        {
            return AppendOnce(run);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)                     // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            throw Unusable(Path, e);
        }
    }

    private long AppendOnce(RunResult run)
    {
        using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);        // BEGIN IMMEDIATE: the write lock first
        RunInfo i = run.Info;
        using SqliteCommand insert = Command("""
            INSERT INTO runs (run_id, started_utc, profile, tool_version, git_commit, machine, seed, duration_s, passed, baseline, results_json)
            VALUES ($run_id, $started, $profile, $tool, $commit, $machine, $seed, $duration, $passed, $baseline, $json) RETURNING id;
            """);
        insert.Transaction = tx;
        insert.Parameters.AddWithValue("$run_id", i.RunId);
        insert.Parameters.AddWithValue("$started", i.StartedUtc.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$profile", i.Profile);
        insert.Parameters.AddWithValue("$tool", i.ToolVersion);
        insert.Parameters.AddWithValue("$commit", (object?)i.GitCommit ?? DBNull.Value);
        insert.Parameters.AddWithValue("$machine", $"{i.Machine.ProcessorCount} cores; {i.Machine.Cpu}; {i.Machine.Os}");
        insert.Parameters.AddWithValue("$seed", (long)i.Seed);
        insert.Parameters.AddWithValue("$duration", i.DurationSeconds);
        insert.Parameters.AddWithValue("$passed", run.Gate is null ? DBNull.Value : run.Gate.Passed ? 1 : 0);
        insert.Parameters.AddWithValue("$baseline", (object?)run.Gate?.BaselinePath ?? DBNull.Value);
        insert.Parameters.AddWithValue("$json", ExporterSet.Render(new JsonResultsExporter(), run));
        long id = (long)insert.ExecuteScalar()!;
        foreach (MetricRecord r in run.Records) InsertMetric(tx, id, r, run.Gate?.For(r.Key)?.Verdict);
        tx.Commit();
        return id;
    }

    private void InsertMetric(SqliteTransaction tx, long run, MetricRecord r, Verdict? verdict)
    {
        using SqliteCommand c = Command("""
            INSERT OR REPLACE INTO metrics (run, key, suite, subject, name, value, unit, direction, stderr, verdict)
            VALUES ($run, $key, $suite, $subject, $name, $value, $unit, $direction, $stderr, $verdict);
            """);
        c.Transaction = tx;
        c.Parameters.AddWithValue("$run", run);
        c.Parameters.AddWithValue("$key", r.Key);
        c.Parameters.AddWithValue("$suite", r.Suite);
        c.Parameters.AddWithValue("$subject", r.Subject);
        c.Parameters.AddWithValue("$name", r.Name);
        c.Parameters.AddWithValue("$value", double.IsFinite(r.Value) ? r.Value : DBNull.Value);
        c.Parameters.AddWithValue("$unit", r.Unit);
        c.Parameters.AddWithValue("$direction", r.Direction.Name());
        c.Parameters.AddWithValue("$stderr", r.Stderr is { } se && double.IsFinite(se) ? se : DBNull.Value);
        c.Parameters.AddWithValue("$verdict", (object?)verdict?.Name() ?? DBNull.Value);
        c.ExecuteNonQuery();
    }

    /// <summary>Runs, oldest first (optionally one profile), at most `limit` of the latest.</summary>
    public IReadOnlyList<HistoryRun> Runs(string? profile = null, int limit = 50) => Guard(() =>
    {
        using SqliteCommand c = Command("""
            SELECT id, run_id, started_utc, profile, git_commit, passed FROM
              (SELECT * FROM runs WHERE $profile IS NULL OR profile = $profile ORDER BY id DESC LIMIT $limit) ORDER BY id;
            """);
        c.Parameters.AddWithValue("$profile", (object?)profile ?? DBNull.Value);
        c.Parameters.AddWithValue("$limit", limit);
        using SqliteDataReader r = c.ExecuteReader();
        var runs = new List<HistoryRun>();
        while (r.Read()) runs.Add(ReadRun(r, 0));
        return (IReadOnlyList<HistoryRun>)runs;
    });

    /// <summary>Every stored value of the metrics whose key is `metric` or ends with "/metric", oldest run first.</summary>
    public IReadOnlyList<HistoryPoint> Metric(string metric, string? profile = null, int limit = 50) => Guard(() =>
    {
        using SqliteCommand c = Command("""
            SELECT runs.id, runs.run_id, runs.started_utc, runs.profile, runs.git_commit, runs.passed, metrics.key, metrics.value, metrics.verdict
            FROM metrics JOIN runs ON runs.id = metrics.run
            WHERE (metrics.key = $metric OR metrics.key LIKE '%/' || $metric ESCAPE '\') AND ($profile IS NULL OR runs.profile = $profile)
              AND runs.id IN (SELECT id FROM runs ORDER BY id DESC LIMIT $limit)
            ORDER BY runs.id, metrics.key;
            """);
        c.Parameters.AddWithValue("$metric", metric.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_"));
        c.Parameters.AddWithValue("$profile", (object?)profile ?? DBNull.Value);
        c.Parameters.AddWithValue("$limit", limit);
        using SqliteDataReader r = c.ExecuteReader();
        var points = new List<HistoryPoint>();
        while (r.Read())
            points.Add(new HistoryPoint(ReadRun(r, 0), r.GetString(6), r.IsDBNull(7) ? double.NaN : r.GetDouble(7), r.IsDBNull(8) ? null : r.GetString(8)));
        return (IReadOnlyList<HistoryPoint>)points;
    });

    /// <summary>A stored run's results.json text by history id or run id; null when there is none.</summary>
    public string? ResultsJson(string idOrRunId) => Guard(() =>
    {
        using SqliteCommand c = Command("SELECT results_json FROM runs WHERE run_id = $key OR CAST(id AS TEXT) = $key LIMIT 1;");
        c.Parameters.AddWithValue("$key", idOrRunId);
        return c.ExecuteScalar() as string;
    });

    /// <summary>A query over a file that turns out corrupt (SQLite finds bad pages only when it reads them), or whose rows
    /// are not what this tool wrote, is one line naming the file.</summary>
    private T Guard<T>(Func<T> query)
    {
        try
        {
            return query();
        }
        catch (SqliteException e)
        {
            throw Unusable(Path, e);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException)
        {
            throw new InvalidDataException($"{Path}: a stored row is malformed ({e.Message.Split('\n')[0]})");
        }
    }

    private static HistoryRun ReadRun(SqliteDataReader r, int at) => new(
        r.GetInt64(at), r.GetString(at + 1),
        DateTimeOffset.Parse(r.GetString(at + 2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        r.GetString(at + 3), r.IsDBNull(at + 4) ? null : r.GetString(at + 4), r.IsDBNull(at + 5) ? null : r.GetInt64(at + 5) == 1);

    private SqliteCommand Command(string sql)
    {
        SqliteCommand c = _connection.CreateCommand();
        c.CommandText = sql;
        return c;
    }

    private void Execute(string sql)
    {
        using SqliteCommand c = Command(sql);
        c.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using SqliteCommand c = Command(sql);
        return c.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}
