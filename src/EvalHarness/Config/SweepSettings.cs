// SweepSettings — the config's "sweep" object: the width × token-budget grid `run` trains and fits after the suites
// (the full profile's scaling law), with the same meaning as `interp-eval sweep`'s options. Null (the default) runs no
// sweep. Validation is the sweep's own (SweepGrid), with faults naming sweep.<field>.
namespace InterpEval.Harness.Config;

public sealed record SweepSettings
{
    /// <summary>Latent counts.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [];

    /// <summary>Training token budgets (each at least one batch, training.batch_tokens).</summary>
    public IReadOnlyList<long> Tokens { get; init; } = [];

    /// <summary>topk, batchtopk, relu, jumprelu.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = ["topk"];

    /// <summary>k values of the topk family.</summary>
    public IReadOnlyList<int> K { get; init; } = [16];

    /// <summary>λ values of relu/jumprelu (empty: the architecture's default).</summary>
    public IReadOnlyList<double> L1 { get; init; } = [];

    /// <summary>Seeds per grid cell.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Suites run on every point (reconstruction and sparsity required).</summary>
    public IReadOnlyList<string> Suites { get; init; } = ["reconstruction", "sparsity", "fidelity"];

    /// <summary>Bootstrap resamples per fit (their 95 % intervals are the tolerances of the gated exponents).</summary>
    public int Bootstrap { get; init; } = 1000;
}
