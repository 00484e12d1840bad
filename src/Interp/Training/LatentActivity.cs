// LatentActivity — per-latent bookkeeping for one dictionary: tokens since each latent last fired (a latent is dead
// once that reaches DeadAfterTokens; the mask goes to AuxK and to the dead % of progress lines), and tokens on which
// each latent was active over the density window (log10 feature density, written on save). Tensors live on the
// dictionary's device, outside every scope; nothing here reads back to the host except DeadFraction.
namespace InterpEval.Interp.Training;

public sealed class LatentActivity : IDisposable
{
    private readonly long _deadAfterTokens;

    public LatentActivity(int latents, long deadAfterTokens, Device device)
    {
        _deadAfterTokens = deadAfterTokens;
        SinceFired = Tensor.Zeros([latents], ScalarType.Float64, device).DetachFromScopes();
        ActiveTokens = Tensor.Zeros([latents], ScalarType.Float64, device).DetachFromScopes();
    }

    /// <summary>Tokens since each latent last fired [F] float64 (exact for counts below 2⁵³).</summary>
    public Tensor SinceFired { get; }

    /// <summary>Tokens on which each latent was active within the density window [F] float64 (exact for counts below 2⁵³).</summary>
    public Tensor ActiveTokens { get; }

    /// <summary>Tokens counted into ActiveTokens.</summary>
    public long DensityTokens { get; set; }

    /// <summary>bool [F]: latents that have not fired for DeadAfterTokens tokens (a new tensor in the current scope).</summary>
    public Tensor DeadMask() => SinceFired.Ge(_deadAfterTokens);

    /// <summary>Fraction of latents now dead.</summary>
    public double DeadFraction()
    {
        using var scope = DisposeScope.Enter();
        return DeadMask().To(ScalarType.Float64).Mean().ToDouble();
    }

    /// <summary>After a batch of `tokens`: fired latents reset to 0, the rest age by `tokens`; when countDensity, the
    /// batch's active counts (or, without them, 1 per fired latent) join the density window.</summary>
    public void Update(Tensor fired, Tensor? activeCounts, long tokens, bool countDensity)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        SinceFired.Add_(tokens).MaskedFill_(fired, 0);
        if (!countDensity) return;
        ActiveTokens.Add_(activeCounts ?? fired.To(ScalarType.Float64));
        DensityTokens += tokens;
    }

    /// <summary>log10(density + 1e-10) [F] float32 (SAELens's log_feature_sparsity); a new tensor in the current scope.</summary>
    public Tensor LogDensity()
    {
        double tokens = Math.Max(1, DensityTokens);
        return (ActiveTokens / tokens + 1e-10).Log().Div(Math.Log(10)).To(ScalarType.Float32);
    }

    /// <summary>Puts back checkpointed counters.</summary>
    public void Restore(Tensor sinceFired, Tensor activeTokens, long densityTokens)
    {
        using var noGrad = Autograd.NoGrad();
        SinceFired.Copy_(sinceFired);
        ActiveTokens.Copy_(activeTokens);
        DensityTokens = densityTokens;
    }

    public void Dispose()
    {
        SinceFired.Dispose();
        ActiveTokens.Dispose();
    }
}
