// SweepGrid — the one check of a sweep grid, for `interp-eval sweep` (faults name the option) and the config's "sweep"
// object (faults name sweep.<field>): widths, budgets of at least one batch, known architectures, k within the
// smallest width, positive λ, known suites including reconstruction and sparsity, at least one seed and resample.
using InterpEval.Suites;

namespace InterpEval.Harness.Config;

/// <param name="Option">The `sweep` option at fault (--widths …).</param>
/// <param name="Field">The config field at fault (widths, tokens, architectures, k, l1, seeds, suites, bootstrap).</param>
/// <param name="Message">What is wrong, without the option or field.</param>
public sealed record SweepGridFault(string Option, string Field, string Message);

public static class SweepGrid
{
    public static readonly IReadOnlyList<string> Architectures = ["topk", "batchtopk", "relu", "jumprelu"];

    /// <summary>The first fault of the grid, or null when it can run.</summary>
    public static SweepGridFault? Problem(IReadOnlyList<int> widths, IReadOnlyList<long> tokens, IReadOnlyList<string> architectures, IReadOnlyList<int> ks,
        IReadOnlyList<double> l1s, int seeds, IReadOnlyList<string> suites, int bootstrap, int batchTokens)
    {
        if (widths.Count == 0 || widths.Any(w => w < 2)) return new("--widths", "widths", "give widths of at least 2 latents");
        if (tokens.Count == 0 || tokens.Any(t => t < batchTokens))
            return new("--tokens", "tokens", $"every budget must be at least one batch ({batchTokens} tokens, training.batch_tokens)");
        if (architectures.Count == 0) return new("--arch", "architectures", "give at least one architecture");
        foreach (string a in architectures)
            if (!Architectures.Contains(a)) return new("--arch", "architectures", $"unknown architecture '{a}' — expected topk, batchtopk, relu or jumprelu");
        if (ks.Any(k => k < 1 || k > widths.Min())) return new("--k", "k", $"each k must be from 1 to the smallest width ({widths.Min()})");
        if (l1s.Any(l => !(l > 0) || !double.IsFinite(l))) return new("--l1", "l1", "each coefficient must be positive");
        if (seeds < 1) return new("--seeds", "seeds", $"{seeds} seeds — expected at least 1");
        if (bootstrap < 1) return new("--bootstrap", "bootstrap", $"{bootstrap} resamples — expected at least 1");
        foreach (string s in suites)
            if (!SuiteRegistry.TryGet(s, out _)) return new("--suite", "suites", $"unknown suite '{s}' — expected one of {string.Join(", ", SuiteRegistry.Names)}");
        if (!suites.Contains(ReconstructionSuite.SuiteName) || !suites.Contains(SparsitySuite.SuiteName))
            return new("--suite", "suites", "a sweep needs reconstruction and sparsity (the fitted loss is fvu; L0 and densities come from sparsity)");
        return null;
    }
}
