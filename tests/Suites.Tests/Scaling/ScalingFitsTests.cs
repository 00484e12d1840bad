// ScalingFitsTests — training FLOPs against hand counts per architecture, the compute-optimal frontier on a hand-built
// grid, and the four laws recovered from a synthetic sweep whose frontier follows a known L(C).
using InterpEval.Suites.Scaling;

namespace InterpEval.Suites.Tests.Scaling;

public class ScalingFitsTests
{
    [Test]
    public void FlopsMatchHandCounts()
    {
        // d 128, N 256, k 16. TopK: encoder 2·128·256 = 65 536, W_enc gradient 2·128·16 = 4 096, decoder 2·16·128 = 4 096,
        // decoder backward 4·16·128 = 8 192 → 81 920 per token. ReLU: 5 products of 2·128·256 = 65 536 → 327 680.
        Assert.That(TrainingFlops.PerToken("topk", 128, 256, 16), Is.EqualTo(81_920));
        Assert.That(TrainingFlops.PerToken("batchtopk", 128, 256, 16), Is.EqualTo(81_920));
        Assert.That(TrainingFlops.PerToken("relu", 128, 256, null), Is.EqualTo(327_680));
        Assert.That(TrainingFlops.PerToken("jumprelu", 128, 256, null), Is.EqualTo(327_680));
        Assert.That(TrainingFlops.Total("topk", 128, 256, 16, 1000), Is.EqualTo(81_920_000));
        Assert.That(TrainingFlops.PerToken("topk", 4, 8, 100), Is.EqualTo(2 * 4 * 8 + 8 * 4 * 8), "k beyond the width counts the width");
        Assert.Throws<ArgumentException>(() => TrainingFlops.PerToken("topk", 128, 256, null));
        Assert.Throws<ArgumentException>(() => TrainingFlops.PerToken("mystery", 128, 256, 16));
    }

    [Test]
    public void FrontierKeepsOnlyPointsNoCheaperPointBeats()
    {
        var points = new[]
        {
            new ScalingPoint("topk", 64, 100, 1e6, 0.5), new ScalingPoint("topk", 128, 100, 2e6, 0.45),
            new ScalingPoint("topk", 64, 200, 2e6, 0.42), new ScalingPoint("topk", 256, 100, 4e6, 0.44),
            new ScalingPoint("topk", 128, 200, 4e6, 0.35),
        };
        var frontier = ScalingFits.Frontier(points);
        Assert.That(frontier.Select(p => (p.Width, p.Tokens)), Is.EqualTo(new[] { (64, 100L), (64, 200L), (128, 200L) }));
    }

    [Test]
    public void RecoversTheFrontierLawOfASyntheticSweep()
    {
        // Compute-optimal points on L = 3·C^−0.2 + 0.1 with width ∝ C^0.5 and tokens ∝ C^0.5; dominated points above it.
        var points = new List<ScalingPoint>();
        for (int i = 0; i < 8; i++)
        {
            double c = Math.Pow(10, 8 + 0.5 * i);
            int width = (int)Math.Round(Math.Sqrt(c) / 10);
            long tokens = (long)Math.Round(Math.Sqrt(c) * 10);
            points.Add(new ScalingPoint("topk", width, tokens, c, 3 * Math.Pow(c, -0.2) + 0.1));
            points.Add(new ScalingPoint("topk", width * 4, tokens / 2, c * 1.5, 3 * Math.Pow(c, -0.2) + 0.1 + 0.05));
        }
        var fit = ScalingFits.Fit(points, resamples: 50).Single();
        Assert.That(fit.Frontier, Has.Count.EqualTo(8));
        var loss = fit.Law(ScalingFits.LossVsCompute).Estimate!;
        Assert.That(loss.Fit.B, Is.EqualTo(0.2).Within(1e-6));
        Assert.That(loss.Fit.C, Is.EqualTo(0.1).Within(1e-6));
        Assert.That(fit.Law(ScalingFits.OptimalWidth).Estimate!.Fit.B, Is.EqualTo(-0.5).Within(0.01), "width ∝ C^0.5");
        Assert.That(fit.Law(ScalingFits.OptimalTokens).Estimate!.Fit.B, Is.EqualTo(-0.5).Within(0.01), "tokens ∝ C^0.5");
        var byWidth = fit.Law(ScalingFits.LossVsWidth);
        Assert.That(byWidth.Estimate, Is.Null, "one point at the largest budget cannot be fitted");
        Assert.That(byWidth.Missing, Does.Contain("needs at least 3"));
    }
}
