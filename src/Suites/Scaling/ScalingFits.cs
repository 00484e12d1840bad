// ScalingFits — the scaling laws of a sweep, per architecture (Gao et al. 2024; Anthropic's Scaling Monosemanticity):
// the compute-optimal frontier (points no cheaper point beats on loss) and L(C) = a·C^−b + c fitted over it, L(N) =
// a·N^−b + c at the largest token budget, and the compute-optimal width and token count as pure power laws of C
// (N_opt = a·C^β, fitted as b = −β), each with bootstrap 95 % intervals and goodness of fit (PowerLawBootstrap).
// A law with too few points is reported as missing with the reason, not guessed. Computation only.
namespace InterpEval.Suites.Scaling;

/// <param name="Architecture">Which architecture the point trained.</param>
/// <param name="Width">Latents N.</param>
/// <param name="Tokens">Training tokens T.</param>
/// <param name="Flops">Training compute C.</param>
/// <param name="Loss">The loss fitted (FVU).</param>
public sealed record ScalingPoint(string Architecture, int Width, long Tokens, double Flops, double Loss);

/// <param name="Name">loss_vs_compute, loss_vs_width, optimal_width_vs_compute, optimal_tokens_vs_compute.</param>
/// <param name="X">What x is.</param>
/// <param name="Y">What y is.</param>
/// <param name="Estimate">The fit and its intervals; null when it could not be made.</param>
/// <param name="Missing">Why not, when Estimate is null.</param>
/// <param name="Points">The (x, y) points fitted.</param>
public sealed record ScalingLaw(string Name, string X, string Y, PowerLawEstimate? Estimate, string? Missing, IReadOnlyList<(double X, double Y)> Points);

/// <param name="Architecture">The architecture.</param>
/// <param name="Frontier">Its compute-optimal points, by compute.</param>
/// <param name="Laws">The four laws.</param>
public sealed record ArchitectureScaling(string Architecture, IReadOnlyList<ScalingPoint> Frontier, IReadOnlyList<ScalingLaw> Laws)
{
    public ScalingLaw Law(string name) => Laws.First(l => l.Name == name);
}

public static class ScalingFits
{
    public const string LossVsCompute = "loss_vs_compute", LossVsWidth = "loss_vs_width",
        OptimalWidth = "optimal_width_vs_compute", OptimalTokens = "optimal_tokens_vs_compute";

    /// <summary>Every architecture's laws (points of several seeds are averaged per (architecture, width, tokens) first).</summary>
    public static IReadOnlyList<ArchitectureScaling> Fit(IReadOnlyList<ScalingPoint> points, int resamples = 1000, ulong seed = 0)
    {
        var result = new List<ArchitectureScaling>();
        foreach (var arch in points.GroupBy(p => p.Architecture))
        {
            var mean = arch.GroupBy(p => (p.Width, p.Tokens))
                .Select(g => new ScalingPoint(arch.Key, g.Key.Width, g.Key.Tokens, g.Average(p => p.Flops), g.Average(p => p.Loss))).ToList();
            var frontier = Frontier(mean);
            long maxTokens = mean.Max(p => p.Tokens);
            var atMax = mean.Where(p => p.Tokens == maxTokens).OrderBy(p => p.Width).ToList();
            var laws = new List<ScalingLaw>
            {
                Law(LossVsCompute, "training FLOPs", "FVU", frontier.Select(p => (p.Flops, p.Loss)).ToList(), offset: true, resamples, seed),
                Law(LossVsWidth, $"width (latents), at {maxTokens} tokens", "FVU", atMax.Select(p => ((double)p.Width, p.Loss)).ToList(), offset: true, resamples, seed),
                Law(OptimalWidth, "training FLOPs", "compute-optimal width (latents)", frontier.Select(p => (p.Flops, (double)p.Width)).ToList(), offset: false, resamples, seed),
                Law(OptimalTokens, "training FLOPs", "compute-optimal tokens", frontier.Select(p => (p.Flops, (double)p.Tokens)).ToList(), offset: false, resamples, seed),
            };
            result.Add(new ArchitectureScaling(arch.Key, frontier, laws));
        }
        return result;
    }

    /// <summary>Points that no point of lower or equal compute beats on loss, by compute (the lower-left envelope).</summary>
    public static IReadOnlyList<ScalingPoint> Frontier(IEnumerable<ScalingPoint> points)
    {
        var frontier = new List<ScalingPoint>();
        double best = double.PositiveInfinity;
        foreach (var p in points.OrderBy(p => p.Flops).ThenBy(p => p.Loss))
            if (p.Loss < best) { frontier.Add(p); best = p.Loss; }
        return frontier;
    }

    private static ScalingLaw Law(string name, string x, string y, List<(double X, double Y)> pts, bool offset, int resamples, ulong seed)
    {
        var options = new PowerLawFitOptions(Offset: offset);
        try
        {
            var estimate = PowerLawBootstrap.Estimate(pts.Select(p => p.X).ToList(), pts.Select(p => p.Y).ToList(), resamples, seed, options);
            return new ScalingLaw(name, x, y, estimate, null, pts);
        }
        catch (ArgumentException e)
        {
            return new ScalingLaw(name, x, y, null, e.Message, pts);
        }
    }
}
