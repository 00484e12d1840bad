// DensityHistogram — counts of latents per bin of log10(feature density), the plot every SAE paper shows to spot dead
// and dense latents. Fixed edges (default −10 to 0 in steps of 0.5) so runs compare bin for bin; values outside the
// range go to the first or last bin. It draws nothing (plots are the harness's job).
namespace InterpEval.Suites;

/// <param name="Edges">Bin edges, ascending [bins + 1]; bin i is [Edges[i], Edges[i+1]) (the last bin is closed).</param>
/// <param name="Counts">Latents per bin [bins].</param>
public sealed record DensityHistogram(double[] Edges, long[] Counts)
{
    public static DensityHistogram From(IReadOnlyList<double> logDensities, double min = -10, double max = 0, int bins = 20)
    {
        if (!(max > min) || bins < 1) throw new ArgumentException($"need max > min and bins ≥ 1, got [{min}, {max}] in {bins}");
        double width = (max - min) / bins;
        var edges = Enumerable.Range(0, bins + 1).Select(i => min + i * width).ToArray();
        var counts = new long[bins];
        foreach (double v in logDensities)
            counts[Math.Clamp((int)Math.Floor((v - min) / width), 0, bins - 1)]++;
        return new DensityHistogram(edges, counts);
    }
}
