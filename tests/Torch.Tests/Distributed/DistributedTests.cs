// Tests of the c10d binding with real processes on the loopback address: every collective against closed-form values
// on 2 and 3 ranks (TCPStore and FileStore rendezvous), and the failure classes — a rank that never comes, a rank
// killed mid-run, a rank that stalls, a port already in use — each an error naming the rank within the timeout.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InterpEval.Torch.Distributed;
using InterpEval.Tests.Shared;

namespace InterpEval.Torch.Tests.Distributed;

[TestFixture]
[NonParallelizable]
public class DistributedTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        if (!ProcessGroup.HasGloo) Assert.Ignore("this build of the shim has no Gloo (apt-get install libgloo-dev and rebuild)");
        _dir = Directory.CreateTempSubdirectory("ie-dist-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string[] Args(string scenario, int rank, int world, string store, int timeoutMs, string? extra = null) =>
        extra is null
            ? [scenario, rank.ToString(), world.ToString(), store, timeoutMs.ToString()]
            : [scenario, rank.ToString(), world.ToString(), store, timeoutMs.ToString(), extra];

    [Test]
    public void Collectives_on_two_ranks_over_a_tcp_store_match_closed_forms()
    {
        string store = $"tcp:127.0.0.1:{ChildRanks.FreePort()}";
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 2, r => Args("collectives", r, 2, store, 10_000), TimeSpan.FromSeconds(20));
        foreach (var res in results) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
        Assert.That(results.All(r => r.Stdout.Contains("ok")), string.Join("\n", results.Select(r => r.ToString())));
    }

    [Test]
    public void Collectives_on_three_ranks_over_a_file_store_match_closed_forms()
    {
        string store = "file:" + Path.Combine(_dir, "store");
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 3, r => Args("collectives", r, 3, store, 10_000), TimeSpan.FromSeconds(20));
        foreach (var res in results) Assert.That(res.ExitCode, Is.EqualTo(0), res.ToString());
    }

    [Test]
    public void A_rank_that_never_comes_is_an_error_naming_the_rank_within_the_timeout()
    {
        // world 2, only rank 1 started: it cannot reach rank 0's store
        string store = $"tcp:127.0.0.1:{ChildRanks.FreePort()}";
        var clock = Stopwatch.StartNew();
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 1, _ => Args("join", 1, 2, store, 2_000), TimeSpan.FromSeconds(20));
        Assert.That(results[0].ExitCode, Is.EqualTo(3), results[0].ToString());
        Assert.That(results[0].Stderr, Does.Contain("rank 1").And.Contain("127.0.0.1"), results[0].ToString());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
    }

    [Test]
    public void A_group_missing_a_rank_is_an_error_within_the_timeout()
    {
        // world 3 with a file store, ranks 0 and 1 started: the group never forms
        string store = "file:" + Path.Combine(_dir, "store");
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 2, r => Args("join", r, 3, store, 2_000), TimeSpan.FromSeconds(20));
        foreach (var res in results)
        {
            Assert.That(res.ExitCode, Is.EqualTo(3), res.ToString());
            Assert.That(res.Stderr, Does.Contain($"rank {res.Rank} of 3").And.Contain("could not form the gloo group"), res.ToString());
        }
    }

    [Test]
    public void A_rank_killed_mid_run_makes_the_others_fail_within_the_timeout()
    {
        string store = "file:" + Path.Combine(_dir, "store");
        int killedAt = -1;
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 3, r => Args("loop", r, 3, store, 3_000), TimeSpan.FromSeconds(20), (rank, line, ps) =>
        {
            if (rank == 2 && line == "step 5" && Interlocked.CompareExchange(ref killedAt, 5, -1) == -1) ps[2].Kill();
        });
        Assert.That(killedAt, Is.EqualTo(5), "rank 2 never reached step 5: " + results[2]);
        foreach (var res in results.Take(2))
        {
            Assert.That(res.KilledAtDeadline, Is.False, res.ToString());
            Assert.That(res.ExitCode, Is.EqualTo(3), res.ToString());
            Assert.That(res.Stderr, Does.Contain($"rank {res.Rank} of 3: all_reduce failed"), res.ToString());
        }
    }

    [TestCase(2)]
    [TestCase(0)]
    public void With_heartbeats_a_killed_rank_is_named_by_its_rank(int victim)
    {
        string store = $"tcp:127.0.0.1:{ChildRanks.FreePort()}";
        int killed = 0;
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 3, r => Args("loop-heartbeat", r, 3, store, 5_000), TimeSpan.FromSeconds(25), (rank, line, ps) =>
        {
            if (rank == victim && line == "step 5" && Interlocked.Exchange(ref killed, 1) == 0) ps[victim].Kill();
        });
        Assert.That(killed, Is.EqualTo(1), $"rank {victim} never reached step 5: " + results[victim]);
        foreach (var res in results.Where(r => r.Rank != victim))
        {
            TestContext.Out.WriteLine($"rank {res.Rank} after {res.Elapsed.TotalSeconds:0.0} s: {res.Stderr.Trim()}");
            Assert.That(res.KilledAtDeadline, Is.False, res.ToString());
            Assert.That(res.ExitCode, Is.EqualTo(3), res.ToString());
            Assert.That(res.Stderr, Does.Contain($"rank {res.Rank} of 3: all_reduce failed"), res.ToString());
            Assert.That(res.Stderr, Does.Match($@"ranks? ([0-9]+, )*{victim}(, [0-9]+)* stopped answering"), res.ToString());
        }
    }

    [Test]
    public void A_stalled_rank_makes_the_others_fail_after_the_timeout()
    {
        string store = "file:" + Path.Combine(_dir, "store");
        var results = ChildRanks.Run(typeof(DistWorker), DistWorker.Verb, 2, r => Args("loop", r, 2, store, 2_000, r == 1 ? "stall@3" : null), TimeSpan.FromSeconds(14));
        var r0 = results[0];
        Assert.That(r0.KilledAtDeadline, Is.False, r0.ToString());
        Assert.That(r0.ExitCode, Is.EqualTo(3), r0.ToString());
        Assert.That(r0.Stderr, Does.Contain("rank 0 of 2: all_reduce failed"), r0.ToString());
        Assert.That(r0.Stdout, Does.Contain("step 2").And.Not.Contain("step 3"), r0.ToString());
        Assert.That(results[1].KilledAtDeadline, Is.True, "the stalled rank sleeps until killed");
    }

    [Test]
    public void A_port_in_use_is_an_error_naming_the_port()
    {
        var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        try
        {
            int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
            var e = Assert.Throws<DistributedException>(() => Store.Tcp("127.0.0.1", port, 2, isMaster: true, TimeSpan.FromSeconds(2), rank: 0))!;
            Assert.That(e.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("rank 0"));
            Assert.That(e.Operation, Is.EqualTo("rendezvous"));
        }
        finally
        {
            blocker.Stop();
        }
    }

    [Test]
    public void A_tcp_store_on_port_0_reports_the_port_it_chose_and_keeps_values()
    {
        using var store = Store.Tcp("127.0.0.1", 0, 1, isMaster: true, TimeSpan.FromSeconds(2), rank: 0);
        Assert.That(store.Port, Is.GreaterThan(0));
        store.Set("k", "v1");
        Assert.That(store.GetString("k"), Is.EqualTo("v1"));
        Assert.That(store.Add("n", 2), Is.EqualTo(2));
        Assert.That(store.Add("n", 3), Is.EqualTo(5));
        var e = Assert.Throws<DistributedException>(() => store.Get("missing"))!;
        Assert.That(e.Message, Does.Contain("'missing'"));
    }
}
