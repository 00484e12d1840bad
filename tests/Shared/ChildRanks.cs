// ChildRanks — starts the ranks of a distributed test as child processes (a test assembly run as a program with its
// worker verb; each test project that uses it links this file and has its own worker Main) and collects each rank's exit code, output and time; a rank still running at the deadline is killed and
// reported, so a test never hangs. It leaves what the ranks do to DistWorker.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InterpEval.Tests.Shared;

internal sealed record RankResult(int Rank, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool KilledAtDeadline)
{
    public override string ToString() => $"rank {Rank}: exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s{(KilledAtDeadline ? " (killed at the deadline)" : "")}\n  stdout: {Stdout.Trim()}\n  stderr: {Stderr.Trim()}";
}

internal static class ChildRanks
{
    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Runs `dotnet &lt;worker's assembly&gt; verb args(rank)` for every rank. onLine(rank, line, processes) sees
    /// every stdout line as it arrives (to kill a rank mid-run).</summary>
    public static RankResult[] Run(Type worker, string verb, int ranks, Func<int, IEnumerable<string>> args, TimeSpan deadline, Action<int, string, Process[]>? onLine = null)
    {
        var processes = new Process[ranks];
        var outputs = new StringBuilder[ranks];
        var errors = new StringBuilder[ranks];
        var clock = Stopwatch.StartNew();
        var ended = new TimeSpan[ranks];
        for (int r = 0; r < ranks; r++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(worker.Assembly.Location);
            start.ArgumentList.Add(verb);
            foreach (var a in args(r)) start.ArgumentList.Add(a);
            int rank = r;
            outputs[r] = new StringBuilder();
            errors[r] = new StringBuilder();
            var p = new Process { StartInfo = start, EnableRaisingEvents = true };
            p.Exited += (_, _) => ended[rank] = clock.Elapsed;
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (outputs[rank]) outputs[rank].AppendLine(e.Data);
                onLine?.Invoke(rank, e.Data, processes);
            };
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (errors[rank]) errors[rank].AppendLine(e.Data);
            };
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            processes[r] = p;
        }
        var killed = new bool[ranks];
        for (int r = 0; r < ranks; r++)
        {
            var left = deadline - clock.Elapsed;
            if (!processes[r].WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                killed[r] = true;
                processes[r].Kill(entireProcessTree: true);
            }
            processes[r].WaitForExit();
        }
        var results = new RankResult[ranks];
        for (int r = 0; r < ranks; r++)
        {
            lock (outputs[r])
                lock (errors[r])
                    results[r] = new RankResult(r, processes[r].ExitCode, outputs[r].ToString(), errors[r].ToString(), ended[r], killed[r]);
            processes[r].Dispose();
        }
        return results;
    }
}
