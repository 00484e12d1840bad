// LaunchHandler — starts the ranks of `launch` as child processes of this tool, each with RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT and an equal share of --threads; copies their output
// (rank 0's as is, the others' prefixed "[rank r]"); when a rank fails, stops the others (as torchrun does) and exits
// with that rank's code. It does not restart ranks (no elastic training).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Commands.Launch;

/// <param name="NProc">Ranks to start.</param>
/// <param name="MasterPort">Rendezvous port; 0 = a free one.</param>
/// <param name="Threads">Threads for the whole machine, shared equally (at least 1 per rank) unless the command sets --threads.</param>
/// <param name="Arguments">The interp-eval command line each rank runs.</param>
public sealed record LaunchOptions(int NProc, int MasterPort, int Threads, IReadOnlyList<string> Arguments);

public sealed class LaunchHandler(TextWriter output, TextWriter error)
{
    private readonly object _lock = new();

    public ExitCode Run(LaunchOptions o)
    {
        if (o.Arguments.Count == 0) throw new UsageException("launch: give the command each rank runs after `--` (for example: launch --nproc 2 -- train …)");
        if (o.Arguments[0] == "launch") throw new UsageException("launch: the command cannot itself be launch");
        if (o.MasterPort is < 0 or > 65535) throw new UsageException($"--master-port {o.MasterPort} — expected a TCP port from 0 to 65535");
        int port = o.MasterPort == 0 ? FreePort() : CheckFree(o.MasterPort);
        var args = o.Arguments.ToList();
        if (!args.Contains("--threads")) args.AddRange(["--threads", Math.Max(1, o.Threads / o.NProc).ToString(CultureInfo.InvariantCulture)]);

        var ranks = new Process[o.NProc];
        using CtrlC ctrlC = CtrlC.Listen();   // the launcher keeps waiting: the ranks get Ctrl+C themselves and checkpoint
        try
        {
            for (int r = 0; r < o.NProc; r++) ranks[r] = Start(r, o.NProc, port, args);
            return Wait(ranks);
        }
        finally
        {
            foreach (var p in ranks)
            {
                if (p is null) continue;
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
        }
    }

    private Process Start(int rank, int world, int port, IReadOnlyList<string> args)
    {
        var start = SelfStartInfo();
        foreach (var a in args) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var env = start.Environment;
        string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
        env["RANK"] = Text(rank);
        env["LOCAL_RANK"] = Text(rank);
        env["WORLD_SIZE"] = Text(world);
        env["LOCAL_WORLD_SIZE"] = Text(world);
        env["MASTER_ADDR"] = "127.0.0.1";
        env["MASTER_PORT"] = Text(port);
        string prefix = rank == 0 ? "" : $"[rank {rank}] ";
        var p = new Process { StartInfo = start };
        p.OutputDataReceived += (_, e) => Copy(output, prefix, e.Data);
        p.ErrorDataReceived += (_, e) => Copy(error, prefix, e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private void Copy(TextWriter to, string prefix, string? line)
    {
        if (line is null) return;
        lock (_lock) to.WriteLine(prefix + line);
    }

    /// <summary>Waits for every rank; the first that fails stops the rest and gives the exit code.</summary>
    private ExitCode Wait(Process[] ranks)
    {
        while (true)
        {
            for (int r = 0; r < ranks.Length; r++)
            {
                var p = ranks[r];
                if (!p.HasExited || p.ExitCode == 0) continue;
                p.WaitForExit();                                                                  // flush its output
                foreach (var other in ranks.Where(q => q != p && !q.HasExited)) other.Kill(entireProcessTree: true);
                foreach (var other in ranks) other.WaitForExit();
                lock (_lock) error.WriteLine($"{ErrorReport.Prefix}launch: rank {r} exited with code {p.ExitCode}; stopped the other ranks");
                return (ExitCode)p.ExitCode;
            }
            if (ranks.All(q => q.HasExited))
            {
                foreach (var q in ranks) q.WaitForExit();
                return ExitCode.Ok;
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>This tool again: the apphost, or `dotnet interp-eval.dll` when run through the dotnet host.</summary>
    internal static ProcessStartInfo SelfStartInfo()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(typeof(LaunchHandler).Assembly.Location);
        return start;
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static int CheckFree(int port)
    {
        try
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return port;
        }
        catch (SocketException e)
        {
            throw new UsageException($"--master-port {port} (MASTER_PORT) is in use on 127.0.0.1 — choose another port or 0 for a free one: {e.Message}");
        }
    }
}
