// DistributedEnvironment — where this process sits in a job, read the way torchrun, Slurm and Kubernetes launchers
// say it: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun's names), else Slurm's SLURM_PROCID,
// SLURM_NTASKS, SLURM_LOCALID and SLURM_LAUNCH_NODE_IPADDR (MASTER_PORT still needed, or 29500). Bad or half-set
// variables are a DistributedConfigException naming the variable. It also joins the job (store + process group); what a
// caller does with the group (training) is not here.
using System.Globalization;
using System.Net;

namespace InterpEval.Torch.Distributed;

/// <summary>A launcher variable that is missing, malformed or inconsistent; the message names it.</summary>
public sealed class DistributedConfigException(string variable, string message) : ArgumentException(message)
{
    public string Variable { get; } = variable;
}

/// <param name="Rank">This process's rank, 0 … WorldSize − 1.</param>
/// <param name="LocalRank">Its rank on this machine (picks the CUDA device).</param>
/// <param name="MasterAddr">Where rank 0 serves the rendezvous store.</param>
/// <param name="MasterPort">The store's TCP port.</param>
/// <param name="Source">"torchrun" or "slurm": which variables it came from.</param>
public sealed record DistributedEnvironment(int Rank, int WorldSize, int LocalRank, string MasterAddr, int MasterPort, string Source)
{
    /// <summary>torchrun's default port, used when Slurm starts the job and MASTER_PORT is not set.</summary>
    public const int DefaultPort = 29500;

    /// <summary>How long rendezvous and each collective may wait for the other ranks: IE_DIST_TIMEOUT seconds, default 300.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Reads the process environment (see <see cref="From"/>).</summary>
    public static DistributedEnvironment? FromProcess() =>
        From(name => Environment.GetEnvironmentVariable(name));

    /// <summary>The job this process belongs to, or null when it runs alone (no WORLD_SIZE / SLURM_NTASKS, or a world of 1).</summary>
    public static DistributedEnvironment? From(Func<string, string?> env)
    {
        string? worldText = env("WORLD_SIZE");
        string source = "torchrun";
        string rankVar = "RANK", localVar = "LOCAL_RANK", worldVar = "WORLD_SIZE", addrVar = "MASTER_ADDR";
        if (string.IsNullOrEmpty(worldText) && !string.IsNullOrEmpty(env("SLURM_NTASKS")))
        {
            source = "slurm";
            (rankVar, localVar, worldVar) = ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS");
            worldText = env(worldVar);
            if (string.IsNullOrEmpty(env("MASTER_ADDR"))) addrVar = "SLURM_LAUNCH_NODE_IPADDR";
        }
        if (string.IsNullOrEmpty(worldText))
        {
            if (!string.IsNullOrEmpty(env("RANK")) && env("RANK") != "0")
                throw new DistributedConfigException("WORLD_SIZE", $"RANK is {env("RANK")} but WORLD_SIZE is not set — set WORLD_SIZE to the number of processes on every rank");
            return null;
        }
        int world = Int(env, worldVar, worldText, min: 1);
        if (world == 1) return null;
        string? rankText = env(rankVar);
        if (string.IsNullOrEmpty(rankText))
            throw new DistributedConfigException(rankVar, $"{worldVar} is {world} but {rankVar} is not set — set {rankVar} (0 … {world - 1}) on every process");
        int rank = Int(env, rankVar, rankText, min: 0);
        if (rank >= world) throw new DistributedConfigException(rankVar, $"{rankVar} is {rank} but {worldVar} is {world} — ranks run from 0 to {world - 1}");
        string? localText = env(localVar);
        int local = string.IsNullOrEmpty(localText) ? rank : Int(env, localVar, localText, min: 0);
        string? addr = env(addrVar);
        if (string.IsNullOrEmpty(addr))
            throw new DistributedConfigException("MASTER_ADDR", $"{worldVar} is {world} but MASTER_ADDR is not set — set MASTER_ADDR to the address of rank 0's machine (and MASTER_PORT) on every rank");
        string? portText = env("MASTER_PORT");
        int port = string.IsNullOrEmpty(portText)
            ? source == "slurm" ? DefaultPort : throw new DistributedConfigException("MASTER_PORT", $"{worldVar} is {world} but MASTER_PORT is not set — set MASTER_PORT to a free TCP port on rank 0's machine")
            : Int(env, "MASTER_PORT", portText, min: 1);
        if (port > 65535) throw new DistributedConfigException("MASTER_PORT", $"MASTER_PORT is {port} — expected a TCP port from 1 to 65535");
        var result = new DistributedEnvironment(rank, world, local, addr, port, source);
        string? timeoutText = env("IE_DIST_TIMEOUT");
        return string.IsNullOrEmpty(timeoutText) ? result : result with { Timeout = TimeSpan.FromSeconds(Int(env, "IE_DIST_TIMEOUT", timeoutText, min: 1)) };
    }

    private static int Int(Func<string, string?> env, string name, string text, int min)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new DistributedConfigException(name, $"{name} is '{text}' — expected a whole number ≥ {min}");
        return v;
    }

    /// <summary>True when MASTER_ADDR names this machine's loopback (every rank on one machine).</summary>
    public bool IsLoopback => MasterAddr == "localhost" || (IPAddress.TryParse(MasterAddr, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves the store) and forms the group. A port already in
    /// use is a DistributedConfigException naming MASTER_PORT; a rank that never comes is a DistributedException after
    /// the timeout.</summary>
    public (Store Store, ProcessGroup Group) Join(DistributedBackend backend)
    {
        Store store;
        try
        {
            store = Store.Tcp(MasterAddr, MasterPort, WorldSize, isMaster: Rank == 0, Timeout, Rank);
        }
        catch (DistributedException e) when (Rank == 0)
        {
            throw new DistributedConfigException("MASTER_PORT", $"MASTER_PORT {MasterPort}: rank 0 cannot listen on {MasterAddr}:{MasterPort} (is the port in use, or MASTER_ADDR not an address of this machine?) — {e.Message}");
        }
        try
        {
            string? iface = Environment.GetEnvironmentVariable("GLOO_SOCKET_IFNAME");
            var group = ProcessGroup.Create(store, Rank, WorldSize, backend, Timeout, iface: string.IsNullOrEmpty(iface) ? null : iface,
                hostname: IsLoopback ? "127.0.0.1" : null);
            try
            {
                group.Heartbeat = Heartbeat.Start(Store.Tcp(MasterAddr, MasterPort, WorldSize, isMaster: false, Timeout, Rank), Rank, WorldSize);   // names a lost peer by rank
            }
            catch
            {
                group.Dispose();
                throw;
            }
            return (store, group);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
