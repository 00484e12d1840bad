// EvalBatch — one evaluation batch: token windows [S, T] and which positions count. Positions holding the BOS /
// document-separator token are excluded from every metric (their activations are outliers no dictionary is trained
// on); a position's next-token prediction counts when the position itself counts and a next token exists in the window.
namespace InterpEval.Suites;

/// <param name="Tokens">Token ids [S, T] int64.</param>
/// <param name="Keep">Positions that count [S, T] bool (not the separator).</param>
public sealed record EvalBatch(Tensor Tokens, Tensor Keep) : IDisposable
{
    public long Sequences => Tokens.Size(0);
    public long Length => Tokens.Size(1);

    /// <summary>Positions that count, in the current dispose scope.</summary>
    public long KeptCount => Keep.Sum().ToInt64();

    /// <summary>Flat row indices [K] (into [S·T, …]) of the positions that count, in the current scope.</summary>
    public Tensor KeptRows() => Keep.Reshape(-1).Nonzero().Reshape(-1);

    /// <summary>Positions whose next-token prediction counts [S, T − 1] bool, in the current scope.</summary>
    public Tensor PredictedMask() => Keep.Narrow(1, 0, Length - 1);

    /// <summary>Flat row indices [P] (into [S·(T − 1), …]) of the predictions that count, in the current scope.</summary>
    public Tensor PredictedRows() => PredictedMask().Reshape(-1).Nonzero().Reshape(-1);

    /// <summary>Next-token targets [S·(T − 1)] for every position but the last of each window.</summary>
    public Tensor Targets() => Tokens.Narrow(1, 1, Length - 1).Reshape(-1);

    public void Dispose()
    {
        Tokens.Dispose();
        Keep.Dispose();
    }
}
