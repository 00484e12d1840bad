// DistWorker — the program side of this test assembly: `dotnet InterpEval.Torch.Tests.dll dist-worker SCENARIO RANK
// WORLD STORE TIMEOUT_MS [ARG]` runs one rank of a distributed scenario and exits 0 when every check on that rank held,
// 1 on a wrong value, 3 on a DistributedException (its message on stderr). STORE is `file:PATH` or `tcp:HOST:PORT`
// (rank 0 serves it). The checks' expected values are closed forms of the ranks' inputs, computed here independently.
using InterpEval.Torch.Distributed;

namespace InterpEval.Torch.Tests.Distributed;

public static class DistWorker
{
    public const string Verb = "dist-worker";

    public static int Main(string[] args)
    {
        if (args.Length < 6 || args[0] != Verb) return 64;
        string scenario = args[1];
        int rank = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        int world = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromMilliseconds(int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
        string? extra = args.Length > 6 ? args[6] : null;
        try
        {
            using var store = OpenStore(args[4], rank, world, timeout);
            using var group = ProcessGroup.Create(store, rank, world, DistributedBackend.Gloo, timeout, hostname: "127.0.0.1");
            if (scenario == "loop-heartbeat")                                                   // a tcp store's second connection beats
            {
                var parts = args[4][4..].Split(':');
                group.Heartbeat = Heartbeat.Start(Store.Tcp(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), world, isMaster: false, timeout, rank),
                    rank, world, TimeSpan.FromMilliseconds(300));
            }
            Console.WriteLine("joined");
            return scenario switch
            {
                "collectives" => Collectives(group, store),
                "loop" or "loop-heartbeat" => Loop(group, extra),
                "join" => 0,
                _ => 64,
            };
        }
        catch (DistributedException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }

    private static Store OpenStore(string spec, int rank, int world, TimeSpan timeout)
    {
        if (spec.StartsWith("file:", StringComparison.Ordinal)) return Store.File(spec[5..], world, timeout);
        var parts = spec[4..].Split(':');
        return Store.Tcp(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), world, rank == 0, timeout, rank);
    }

    private static int Collectives(ProcessGroup g, Store store)
    {
        int r = g.Rank, w = g.WorldSize;
        double tri = w * (w + 1) / 2.0;                                   // Σ (q + 1) over ranks q
        var failures = new List<string>();
        void Expect(string what, double[] expected, double[] actual)
        {
            if (expected.Length != actual.Length || expected.Zip(actual).Any(p => Math.Abs(p.First - p.Second) > 1e-9))
                failures.Add($"{what}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }

        using (var scope = DisposeScope.Enter())
        {
            // one bucket of three tensors of different shapes and dtypes' worth of values (float32, float64, int64)
            var a = Tensor.Full([2, 3], r + 1.0);
            var b = Tensor.Arange(0, 5, dtype: ScalarType.Float64) * (r + 1.0);
            var c = Tensor.From([(long)r], 1);
            g.AllReduce_([a, b]);
            g.AllReduce_(c);
            Expect("all_reduce float32", Enumerable.Repeat(tri, 6).ToArray(), a.Values());
            Expect("all_reduce float64", Enumerable.Range(0, 5).Select(i => i * tri).ToArray(), b.Values());
            Expect("all_reduce int64", [w * (w - 1) / 2.0], c.Values());

            var m = Tensor.From([(double)r, -r], 2);
            g.AllReduce_(m, ReduceOp.Max);
            Expect("all_reduce max", [w - 1, 0], m.Values());

            var gathered = g.AllGather(Tensor.From([r * 10.0, r * 10.0 + 1], 2));
            Expect("all_gather", Enumerable.Range(0, w).SelectMany(q => new[] { q * 10.0, q * 10.0 + 1 }).ToArray(), gathered.Values());
            if (!gathered.Shape.SequenceEqual([w, 2])) failures.Add($"all_gather shape {gathered.ShapeString}");

            var bcast = Tensor.Full([4], (double)r);
            g.Broadcast_(bcast, root: w - 1);
            Expect("broadcast", Enumerable.Repeat(w - 1.0, 4).ToArray(), bcast.Values());

            var input = Tensor.From(Enumerable.Range(0, 2 * w).Select(i => r * 100.0 + i).ToArray(), 2 * w);
            var chunk = g.ReduceScatter(input);
            double hundreds = 100.0 * w * (w - 1) / 2;
            Expect("reduce_scatter", [hundreds + w * (2.0 * r), hundreds + w * (2.0 * r + 1)], chunk.Values());
        }

        store.Add("arrived", 1);
        g.Barrier();
        long arrived = store.Add("arrived", 0);
        if (arrived != w) failures.Add($"barrier: {arrived} of {w} ranks had arrived after it");

        foreach (var f in failures) Console.WriteLine($"FAIL {f}");
        if (failures.Count == 0) Console.WriteLine("ok");
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>200 all_reduce steps, printing "step N"; ARG "stall@N" makes this rank sleep (alive, silent) at step N.</summary>
    private static int Loop(ProcessGroup g, string? arg)
    {
        int stallAt = arg is not null && arg.StartsWith("stall@", StringComparison.Ordinal) ? int.Parse(arg[6..], System.Globalization.CultureInfo.InvariantCulture) : -1;
        for (int step = 0; step < 200; step++)
        {
            if (step == stallAt) Thread.Sleep(Timeout.Infinite);
            using var scope = DisposeScope.Enter();
            var t = Tensor.Full([1000], 1.0);
            g.AllReduce_(t);
            Console.WriteLine($"step {step}");
            Thread.Sleep(20);
        }
        return 0;
    }
}
