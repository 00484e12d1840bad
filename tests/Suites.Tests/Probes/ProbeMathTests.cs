// Probe arithmetic on hand-built cases: F1, exact AUROC with ties (and its sparse form against the dense one), the
// concept-latent table against direct counts, purity, coverage, mean-difference selection, and the logistic regression
// against a solution found independently (bisection on the stationarity condition, finite differences), and the
// domain-stratified document order.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Suites.Probes;

namespace InterpEval.Suites.Tests.Probes;

public class ProbeMathTests
{
    [Test]
    public void F1IsTwiceTruePositivesOverPredictedPlusActual()
    {
        // 3 predicted, 4 actual, 2 correct: precision 2/3, recall 1/2 → F1 = 2·(1/3)/(7/6) = 4/7.
        Assert.That(BinaryMetrics.F1(2, 3, 4), Is.EqualTo(4.0 / 7).Within(1e-15));
        Assert.That(BinaryMetrics.F1(0, 0, 0), Is.EqualTo(0));
    }

    [Test]
    public void AurocCountsPairsAndTiesHalf()
    {
        Assert.That(BinaryMetrics.Auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), Is.EqualTo(0.75).Within(1e-15));
        // Positives score 1 and 2, negatives 1 and 0: pairs (1,1) tie ½, (1,0) 1, (2,1) 1, (2,0) 1 → 3.5 / 4.
        Assert.That(BinaryMetrics.Auroc([1, 1, 0, 2], [true, false, false, true]), Is.EqualTo(0.875).Within(1e-15));
        Assert.That(BinaryMetrics.Auroc([1, 2], [true, true]), Is.NaN);
    }

    [Test]
    public void SparseAurocEqualsDenseWithImplicitZeros()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 400).Select(_ => random.NextDouble() < 0.6 ? 0 : Math.Round(random.NextDouble() * 4, 1) - 0.5).ToArray();
        var labels = scores.Select(s => random.NextDouble() < (s > 1 ? 0.7 : 0.2)).ToArray();
        double dense = BinaryMetrics.Auroc(scores, labels);
        var nonZero = scores.Select((s, i) => (s, labels[i])).Where(p => p.s != 0);
        long zeroPositives = scores.Where((s, i) => s == 0 && labels[i]).LongCount();
        long zeroNegatives = scores.Where((s, i) => s == 0 && !labels[i]).LongCount();
        Assert.That(BinaryMetrics.AurocSparse(nonZero, zeroPositives, zeroNegatives), Is.EqualTo(dense).Within(1e-12));
    }

    // Six rows: a separator, then tokens 1–5; concept A on rows 1 and 2, B on row 5. Latent 0 fires on rows 0 (9, the
    // separator: ignored), 1 (2.0), 2 (1.0) and 5 (0.5); latent 1 on row 3 (3.0).
    private static (SparseLatents, LabelledTokens) HandCase()
    {
        var concepts = new ConceptSet(["A", "B"]);
        var tokens = new LabelledTokens([0, 5, 6, 7, 8, 9], [0, 1, 1, 0, 0, 2], [true, false, false, false, false, false], concepts);
        var latents = new SparseLatents(2, rowStart: [0, 1, 2, 3, 4, 4, 5], latent: [0, 0, 0, 1, 0], value: [9, 2, 1, 3, 0.5f]);
        return (latents, tokens);
    }

    [Test]
    public void TableCountsF1AurocMeanDifferenceAndMaxWithoutSeparators()
    {
        var (latents, tokens) = HandCase();
        var table = new ConceptLatentTable(latents, tokens);
        Assert.That(table.Tokens, Is.EqualTo(5));
        Assert.That(table.Positives, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(table.F1(0, 0), Is.EqualTo(2.0 * 2 / (3 + 2)).Within(1e-15));   // active on 3 tokens, 2 of them A
        Assert.That(table.F1(1, 0), Is.EqualTo(0));
        Assert.That(table.Max, Is.EqualTo(new double[] { 2, 3 }));
        // A: on-mean (2 + 1)/2 = 1.5, off-mean (0 + 0 + 0.5)/3 → 1.5 − 1/6.
        Assert.That(table.MeanDifference(0, 0), Is.EqualTo(1.5 - 0.5 / 3).Within(1e-12));
        double[] scores0 = [2, 1, 0, 0, 0.5];                                                 // latent 0 on rows 1..5
        Assert.That(table.Auroc(0, 0), Is.EqualTo(BinaryMetrics.Auroc(scores0, [true, true, false, false, false])).Within(1e-15));
        Assert.That(table.Auroc(0, 1), Is.EqualTo(BinaryMetrics.Auroc(scores0, [false, false, false, false, true])).Within(1e-15));
        Assert.That(table.Auroc(0, 0), Is.EqualTo(1.0));
        Assert.That(table.Best(j => table.F1(j, 0)), Is.EqualTo(0));
    }

    [Test]
    public void PurityIsTheShareOfTopActivationsCarryingTheConcept()
    {
        var (latents, tokens) = HandCase();
        var split = new ProbeSplit(tokens, new HarvestedLatents(latents, null, 0));
        Assert.That(ProbesSuite.Purity(split, 0, 0, top: 2), Is.EqualTo(1.0));         // 2.0 and 1.0 are both A
        Assert.That(ProbesSuite.Purity(split, 0, 0, top: 3), Is.EqualTo(2.0 / 3).Within(1e-15));
        Assert.That(ProbesSuite.Purity(split, 1, 0, top: 5), Is.EqualTo(0));
    }

    [Test]
    public void CoverageIsTheShareOfConceptsWithALatentAtTheThreshold() =>
        Assert.That(ProbesSuite.Coverage([0.95, 0.8, 0.79, 0.1], 0.8), Is.EqualTo(0.5));

    [Test]
    public void TopByAbsoluteDifferenceBreaksTiesByIndex() =>
        Assert.That(SparseProbe.TopByAbsolute([0.1, -0.9, 0.5, 0.9, 0], 3), Is.EqualTo(new[] { 1, 3, 2 }));

    [Test]
    public void LogisticRegressionMatchesTheOneDimensionalSolution()
    {
        // x = −1 (label 0), x = +1 (label 1): by symmetry b = 0 and the optimum solves λw = 1 − σ(w).
        const double lambda = 0.1;
        double lo = 0, hi = 100;
        for (int i = 0; i < 200; i++)
        {
            double mid = (lo + hi) / 2;
            if (lambda * mid - (1 - 1 / (1 + Math.Exp(-mid))) < 0) lo = mid; else hi = mid;
        }
        var fit = LogisticRegression.Fit([[-1.0], [1.0]], [false, true], lambda);
        Assert.That(fit.Weights[0], Is.EqualTo(lo).Within(1e-9));
        Assert.That(fit.Bias, Is.EqualTo(0).Within(1e-9));
        Assert.That(fit.Accuracy([[-2.0], [0.5]], [false, true]), Is.EqualTo(1));
    }

    [Test]
    public void LogisticRegressionIsAStationaryPointOfItsObjective()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 60).Select(_ => new[] { random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1 }).ToArray();
        var y = x.Select(r => r[0] - 0.5 * r[1] + 0.3 * (random.NextDouble() - 0.5) > 0.1).ToArray();
        var fit = LogisticRegression.Fit(x, y, 0.05);
        double[] theta = [.. fit.Weights, fit.Bias];
        const double h = 1e-5;
        for (int j = 0; j < theta.Length; j++)
        {
            double[] plus = (double[])theta.Clone(), minus = (double[])theta.Clone();
            plus[j] += h;
            minus[j] -= h;
            double derivative = (LogisticRegression.Objective(x, y, plus[..2], plus[2], 0.05) - LogisticRegression.Objective(x, y, minus[..2], minus[2], 0.05)) / (2 * h);
            Assert.That(derivative, Is.EqualTo(0).Within(1e-7), $"∂/∂θ{j}");
        }
        var again = LogisticRegression.Fit(x, y, 0.05);
        Assert.That(again.Weights, Is.EqualTo(fit.Weights), "deterministic");
    }

    [Test]
    public void StratifiedOrderDealsDomainsRoundRobinAndKeepsEveryDocument()
    {
        // 9 prose documents and 1 dna document: a shuffled order may put dna last; the stratified one puts it in the
        // first two, and the rest keep their shuffled relative order.
        var documents = Enumerable.Range(0, 10).Select(i => new CorpusDocument($"d{i}", i == 7 ? "dna" : "prose", null, "test",
            CorpusSplit.Train, "x", [])).ToArray();
        for (ulong seed = 0; seed < 5; seed++)
        {
            var shuffled = ProbeData.Shuffled(documents, seed);
            var order = ProbeData.Stratified(documents, seed);
            Assert.That(order.Select(d => d.Id), Is.EquivalentTo(documents.Select(d => d.Id)));
            Assert.That(order.Take(2).Select(d => d.Domain), Is.EquivalentTo(new[] { "prose", "dna" }));
            Assert.That(order.Where(d => d.Domain == "prose").Select(d => d.Id),
                Is.EqualTo(shuffled.Where(d => d.Domain == "prose").Select(d => d.Id)));
        }
    }
}
