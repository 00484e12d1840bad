// BenchTrainWorldHandler — `bench train --world-size W` (W > 1) on one machine: W ranks × 1 thread (child processes of
// this tool joined by torchrun's variables on 127.0.0.1, Gloo, each training on B/W rows of the same global batch)
// against 1 process × W threads and 1 process × 1 thread on the whole batch, all through DataParallelTrainBenchmark.
// Prints the throughputs, the scaling efficiencies and rank 0's communication share (time inside the gradient
// all-reduces / step time), as JSON (--json) or a table. A process started with WORLD_SIZE set is one rank: it prints
// its own timings as one JSON line. It leaves several machines to `launch`/torchrun and GPUs (NCCL) out.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Commands.Launch;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Torch;
using InterpEval.Torch.Distributed;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Bench;

public sealed class BenchTrainWorldHandler(TextWriter output)
{
    /// <summary>How long the ranks may run before they are stopped.</summary>
    public static readonly TimeSpan RankDeadline = TimeSpan.FromMinutes(30);

    public ExitCode Run(TrainSettings settings, int worldSize, bool json)
    {
        if (worldSize < 2) throw new UsageException($"--world-size {worldSize} — the data-parallel benchmark needs at least 2 ranks");
        if (settings.Density is not null) throw new UsageException("--density: not measured with --world-size yet — drop one of them");
        if (settings.Batch % worldSize != 0)
            throw new UsageException($"--batch {settings.Batch} does not split evenly over --world-size {worldSize} — use a multiple of {worldSize}");
        try { settings.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message, e); }
        if (!ProcessGroup.HasGloo) throw new UsageException("--world-size: this build has no Gloo process groups — install libgloo-dev and rebuild (see docs/distributed.md)");
        DistributedEnvironment? env;
        try { env = DistributedEnvironment.FromProcess(); }
        catch (DistributedConfigException e) { throw new UsageException(e.Message, e); }
        return env is null ? Compare(settings, worldSize, json) : RunRank(settings, worldSize, env);
    }

    /// <summary>One rank: joins the job, measures, prints its timings as one JSON line (rank 0's is the one read).</summary>
    private ExitCode RunRank(TrainSettings settings, int worldSize, DistributedEnvironment env)
    {
        if (env.WorldSize != worldSize) throw new UsageException($"WORLD_SIZE is {env.WorldSize} but --world-size is {worldSize} — give the same number");
        Store store;
        ProcessGroup group;
        try { (store, group) = env.Join(DistributedBackend.Gloo); }
        catch (DistributedConfigException e) { throw new UsageException(e.Message, e); }
        using (store)
        using (group)
        {
            var times = DataParallelTrainBenchmark.Measure(settings, group);
            output.WriteLine(TimesJson(times).ToJsonString());
            return ExitCode.Ok;
        }
    }

    private ExitCode Compare(TrainSettings settings, int worldSize, bool json)
    {
        var ranks = RunRanks(settings, worldSize);
        int threadsBefore = TorchRuntime.NumThreads;
        WorldStepTimes threaded, single;
        try
        {
            TorchRuntime.SetNumThreads(worldSize);
            threaded = DataParallelTrainBenchmark.Measure(settings, null);
            TorchRuntime.SetNumThreads(1);
            single = DataParallelTrainBenchmark.Measure(settings, null);
        }
        finally
        {
            TorchRuntime.SetNumThreads(threadsBefore);
        }
        var result = new WorldComparison(settings, worldSize, ranks, threaded, single);
        if (json) output.WriteLine(ToJson(result, MachineInfo.Current()).ToJsonString());
        else WriteTable(result);
        return ExitCode.Ok;
    }

    /// <summary>Starts worldSize ranks of `bench train … --threads 1 --json` on 127.0.0.1 and returns rank 0's timings.</summary>
    private WorldStepTimes RunRanks(TrainSettings s, int worldSize)
    {
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "bench", "train", "--arch", s.Architecture, "--d-in", I(s.DIn), "--width", I(s.Width), "--k", I(s.K), "--batch", I(s.Batch),
            "--steps", I(s.Steps), "--world-size", I(worldSize), "--device", s.Device.ToString(), "--threads", "1", "--json",
        };
        if (!s.Fused) args.Add("--generic");
        int port = FreePort();
        var processes = new Process[worldSize];
        var stdout = new string[worldSize];
        var stderr = new string[worldSize];
        var codes = new int[worldSize];
        try
        {
            for (int r = 0; r < worldSize; r++)
            {
                var start = LaunchHandler.SelfStartInfo();
                foreach (var a in args) start.ArgumentList.Add(a);
                start.RedirectStandardOutput = start.RedirectStandardError = true;
                start.UseShellExecute = false;
                start.Environment["RANK"] = start.Environment["LOCAL_RANK"] = I(r);
                start.Environment["WORLD_SIZE"] = start.Environment["LOCAL_WORLD_SIZE"] = I(worldSize);
                start.Environment["MASTER_ADDR"] = "127.0.0.1";
                start.Environment["MASTER_PORT"] = I(port);
                processes[r] = Process.Start(start)!;
            }
            var reads = processes.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToArray();
            var deadline = Stopwatch.StartNew();
            for (int r = 0; r < worldSize; r++)
            {
                var left = RankDeadline - deadline.Elapsed;
                if (!processes[r].WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                    throw new InvalidOperationException($"bench train --world-size {worldSize}: rank {r} did not finish within {RankDeadline.TotalMinutes} minutes");
                stdout[r] = reads[r].Out.GetAwaiter().GetResult();
                stderr[r] = reads[r].Err.GetAwaiter().GetResult();
                codes[r] = processes[r].ExitCode;
            }
        }
        finally
        {
            foreach (var p in processes)
            {
                if (p is null) continue;
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
        }
        for (int r = 0; r < worldSize; r++)
            if (codes[r] != 0)
                throw new InvalidOperationException($"bench train --world-size {worldSize}: rank {r} exited with code {codes[r]}: {stderr[r].Trim()}");
        return ParseTimes(stdout[0]);
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static JsonObject TimesJson(WorldStepTimes t) => new()
    {
        ["world_size"] = t.WorldSize, ["threads"] = t.Threads, ["final_loss"] = t.FinalLoss,
        ["step_seconds"] = new JsonArray(t.StepSeconds.Select(v => (JsonNode)v).ToArray()),
        ["communication_seconds"] = new JsonArray(t.CommunicationSeconds.Select(v => (JsonNode)v).ToArray()),
    };

    private static WorldStepTimes ParseTimes(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith('{'));
        var o = JsonNode.Parse(line)!.AsObject();
        double[] Array(string key) => o[key]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        return new WorldStepTimes(o["world_size"]!.GetValue<int>(), o["threads"]!.GetValue<int>(), Array("step_seconds"), Array("communication_seconds"),
            o["final_loss"]!.GetValue<double>());
    }

    public static JsonObject ToJson(WorldComparison c, MachineInfo machine)
    {
        var s = c.Settings;
        JsonObject Entry(WorldStepTimes t, int processes) => new()
        {
            ["processes"] = processes, ["threads_per_process"] = t.Threads, ["seconds_per_step"] = t.MeanSeconds,
            ["seconds_per_step_best"] = t.StepSeconds.Min(), ["tokens_per_s"] = s.Batch / t.MeanSeconds,
            ["communication_seconds_per_step"] = t.MeanCommunicationSeconds, ["communication_share"] = t.CommunicationShare,
        };
        return new JsonObject
        {
            ["benchmark"] = "train_world", ["arch"] = s.Architecture, ["path"] = s.Fused ? "fused" : "generic", ["d_in"] = s.DIn,
            ["width"] = s.Width, ["k"] = s.Architecture == "topk" ? s.K : null, ["batch"] = s.Batch, ["steps"] = s.Steps,
            ["world_size"] = c.WorldSize, ["backend"] = "gloo",
            ["ranks"] = Entry(c.Ranks, c.WorldSize), ["one_process_threaded"] = Entry(c.Threaded, 1), ["one_process_one_thread"] = Entry(c.Single, 1),
            ["speedup_over_threaded"] = c.SpeedupOverThreaded, ["scaling_efficiency"] = c.ScalingEfficiency,
            ["threaded_efficiency"] = c.ThreadedEfficiency, ["communication_share"] = c.Ranks.CommunicationShare,
            ["cpu"] = machine.Cpu, ["processor_count"] = machine.ProcessorCount,
        };
    }

    private void WriteTable(WorldComparison c)
    {
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        var s = c.Settings;
        string shape = $"d_in {s.DIn}, width {s.Width}{(s.Architecture == "topk" ? $", k {s.K}" : "")}, global batch {s.Batch}";
        var table = new Table().Title(Markup.Escape($"train {s.Architecture}, {shape}: {c.WorldSize} ranks vs 1 process"))
            .AddColumn("run").AddColumn("s per step (mean / best)").AddColumn("tokens/s").AddColumn("communication (s / step, share)");
        void Row(string name, WorldStepTimes t, bool comm) => table.AddRow(Markup.Escape(name), $"{F(t.MeanSeconds, "F4")} / {F(t.StepSeconds.Min(), "F4")}",
            F(s.Batch / t.MeanSeconds, "N0"), comm ? $"{F(t.MeanCommunicationSeconds, "F4")} / {F(100 * t.CommunicationShare, "F1")} %" : "—");
        Row($"{c.WorldSize} processes × 1 thread (gloo)", c.Ranks, true);
        Row($"1 process × {c.WorldSize} threads", c.Threaded, false);
        Row("1 process × 1 thread", c.Single, false);
        Terminal.For(output).Write(table);
        output.WriteLine($"speed-up of {c.WorldSize} ranks over 1 process × {c.WorldSize} threads: {F(c.SpeedupOverThreaded, "F2")}×");
        output.WriteLine($"scaling efficiency t(1×1) / ({c.WorldSize}·t(ranks)): {F(c.ScalingEfficiency, "F2")}; of {c.WorldSize} threads: {F(c.ThreadedEfficiency, "F2")}");
    }
}

/// <summary>The three runs of `bench train --world-size W` and what follows from them.</summary>
public sealed record WorldComparison(TrainSettings Settings, int WorldSize, WorldStepTimes Ranks, WorldStepTimes Threaded, WorldStepTimes Single)
{
    /// <summary>t(1 process × W threads) / t(W ranks × 1 thread): above 1 the ranks are faster on the same cores.</summary>
    public double SpeedupOverThreaded => Threaded.MeanSeconds / Ranks.MeanSeconds;

    /// <summary>t(1 × 1) / (W · t(W ranks)): 1 is perfect data-parallel scaling.</summary>
    public double ScalingEfficiency => Single.MeanSeconds / (WorldSize * Ranks.MeanSeconds);

    /// <summary>t(1 × 1) / (W · t(1 × W threads)): the same for intra-op threads.</summary>
    public double ThreadedEfficiency => Single.MeanSeconds / (WorldSize * Threaded.MeanSeconds);
}
