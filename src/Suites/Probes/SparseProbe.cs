// SparseProbe — the k-sparse probe of one concept: the k features (latents, or raw activation dimensions) with the
// largest |class mean − rest mean| on the training stream, z-scored with the training sample's mean and deviation, fed to
// an L2 logistic regression fitted on a class-balanced training sample and scored by accuracy on a class-balanced
// held-out sample (chance = 0.5). Samples are drawn with the seed. It does not choose k or the concepts.
namespace InterpEval.Suites.Probes;

/// <summary>Features of one stream: value of feature j at stream position r.</summary>
public delegate double FeatureValue(int row, int feature);

/// <param name="Rows">Stream positions of the sample.</param>
/// <param name="Labels">Whether each carries the concept.</param>
public sealed record BalancedSample(int[] Rows, bool[] Labels)
{
    /// <summary>Up to maxPerClass positives and as many negatives (both capped by the smaller class), seeded.</summary>
    public static BalancedSample Draw(IReadOnlyList<int> positives, IReadOnlyList<int> negatives, int maxPerClass, ulong seed)
    {
        int n = Math.Min(maxPerClass, Math.Min(positives.Count, negatives.Count));
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        int[] Pick(IReadOnlyList<int> rows)
        {
            var copy = rows.ToArray();
            random.Shuffle(copy);
            return copy[..n];
        }
        var rows = Pick(positives).Concat(Pick(negatives)).ToArray();
        var labels = Enumerable.Range(0, 2 * n).Select(i => i < n).ToArray();
        return new BalancedSample(rows, labels);
    }
}

public static class SparseProbe
{
    /// <summary>Indices of the k largest |differences| (lowest index first on ties).</summary>
    public static int[] TopByAbsolute(IReadOnlyList<double> differences, int k) =>
        Enumerable.Range(0, differences.Count).OrderByDescending(j => Math.Abs(differences[j])).ThenBy(j => j).Take(k).ToArray();

    /// <summary>Held-out accuracy of a logistic regression on the chosen features.</summary>
    public static double Accuracy(int[] features, BalancedSample train, FeatureValue trainValue, BalancedSample test,
        FeatureValue testValue, double lambda = 1e-2)
    {
        var xTrain = Matrix(train.Rows, features, trainValue);
        var (mean, deviation) = Standardisation(xTrain);
        Standardise(xTrain, mean, deviation);
        var xTest = Matrix(test.Rows, features, testValue);
        Standardise(xTest, mean, deviation);
        return LogisticRegression.Fit(xTrain, train.Labels, lambda).Accuracy(xTest, test.Labels);
    }

    private static double[][] Matrix(int[] rows, int[] features, FeatureValue value) =>
        rows.Select(r => features.Select(j => value(r, j)).ToArray()).ToArray();

    private static (double[] Mean, double[] Deviation) Standardisation(double[][] x)
    {
        int k = x[0].Length;
        var mean = new double[k];
        var deviation = new double[k];
        for (int j = 0; j < k; j++)
        {
            mean[j] = x.Average(row => row[j]);
            double variance = x.Average(row => (row[j] - mean[j]) * (row[j] - mean[j]));
            deviation[j] = variance > 0 ? Math.Sqrt(variance) : 1;
        }
        return (mean, deviation);
    }

    private static void Standardise(double[][] x, double[] mean, double[] deviation)
    {
        foreach (var row in x)
            for (int j = 0; j < row.Length; j++) row[j] = (row[j] - mean[j]) / deviation[j];
    }
}
