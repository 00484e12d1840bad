// DistributedException — a failed rendezvous or collective: which rank saw it, in a group of how many, during which
// operation, with c10d's own message (a lost peer, a timeout, a refused connection).
namespace InterpEval.Torch.Distributed;

public sealed class DistributedException(string message, int rank, int worldSize, string operation) : TorchException(message)
{
    /// <summary>The rank that raised it (-1 when not known yet, as in a store that is not part of a group).</summary>
    public int Rank { get; } = rank;

    public int WorldSize { get; } = worldSize;

    /// <summary>"rendezvous", "all_reduce", "all_gather", "broadcast", "reduce_scatter", "barrier".</summary>
    public string Operation { get; } = operation;
}
