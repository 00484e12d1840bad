// ProbesSuite — how well single latents and sparse sets of latents pick out the corpus's labelled concepts (DESIGN §8):
// per concept the best single-latent F1 and AUROC, k-sparse logistic probes on latents beside the same probes on raw
// activations, per-latent purity of the top activations, and concept coverage. Latents are chosen on the training
// stream and scored on the validation stream (docs/probes-and-steering.md gives every definition). It never prints.
using InterpEval.Interp.Data;
using InterpEval.Suites.Probes;

namespace InterpEval.Suites;

/// <param name="Ks">Probe sizes k.</param>
/// <param name="MinPositives">A concept is evaluated when both streams hold at least this many tokens with and without it.</param>
/// <param name="MaxPerClass">Balanced probe samples take up to this many tokens per class.</param>
/// <param name="PurityTop">Purity looks at each latent's top-N activating validation tokens.</param>
/// <param name="PurityMinActive">Latents active on fewer validation tokens are left out of mean_purity.</param>
/// <param name="CoverageF1">A concept is covered when its best latent's F1 reaches this.</param>
/// <param name="Lambda">L2 strength of the probes' logistic regression.</param>
public sealed record ProbesOptions(
    int[]? Ks = null, int MinPositives = 20, int MaxPerClass = 1024, int PurityTop = 20, int PurityMinActive = 5,
    double CoverageF1 = 0.8, double Lambda = 1e-2)
{
    public int[] ProbeSizes => Ks ?? [1, 2, 5, 10];
}

public sealed class ProbesSuite(ProbesOptions? options = null) : ISuite
{
    private readonly ProbesOptions _o = options ?? new ProbesOptions();

    public string Name => "probes";

    public string Description => "Concept detection by latents: best single-latent F1/AUROC, k-sparse probes vs raw activations, purity, coverage";

    public string? CannotRun(SuiteInput input) => ProbeData.Missing(input);

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default)
    {
        var data = ProbeData.Build(input, keepRaw: true, cancellation);
        var train = new ConceptLatentTable(data.Train.Harvest.Latents, data.Train.Tokens);
        var heldOut = new ConceptLatentTable(data.HeldOut.Harvest.Latents, data.HeldOut.Tokens);
        int[] concepts = Evaluated(train, heldOut);
        var records = new List<MetricRecord>();
        void Add(string name, double value, string unit, MetricDirection direction) =>
            records.Add(new MetricRecord(Name, input.Subject, name, value, unit, direction));

        var f1s = new List<double>();
        var aurocs = new List<double>();
        var probeAccuracies = _o.ProbeSizes.ToDictionary(k => k, _ => new List<double>());
        foreach (int c in concepts)
        {
            cancellation.ThrowIfCancellationRequested();
            string concept = data.Concepts.Names[c];
            int byF1 = train.Best(j => train.F1(j, c)), byAuroc = train.Best(j => train.Auroc(j, c));
            f1s.Add(heldOut.F1(byF1, c));
            aurocs.Add(heldOut.Auroc(byAuroc, c));
            Add($"f1/{concept}", f1s[^1], "fraction", MetricDirection.Higher);
            Add($"auroc/{concept}", aurocs[^1], "fraction", MetricDirection.Higher);
            Add($"best_latent/{concept}", byF1, "index", MetricDirection.None);
            foreach (var (k, latentAccuracy, rawAccuracy) in Probes(data, train, c, input.Options.Seed))
            {
                probeAccuracies[k].Add(latentAccuracy);
                Add($"probe_acc_k{k}/{concept}", latentAccuracy, "fraction", MetricDirection.Higher);
                Add($"raw_probe_acc_k{k}/{concept}", rawAccuracy, "fraction", MetricDirection.None);
            }
        }
        Add("concepts", concepts.Length, "count", MetricDirection.None);
        if (concepts.Length > 0)
        {
            Add("coverage", Coverage(f1s, _o.CoverageF1), "fraction", MetricDirection.Higher);
            Add("mean_f1", f1s.Average(), "fraction", MetricDirection.Higher);
            Add("mean_auroc", aurocs.Where(a => !double.IsNaN(a)).DefaultIfEmpty(double.NaN).Average(), "fraction", MetricDirection.Higher);
            foreach (var (k, accuracies) in probeAccuracies)
                Add($"mean_probe_acc_k{k}", accuracies.Average(), "fraction", MetricDirection.Higher);
            var (purity, latents) = MeanPurity(data.HeldOut, heldOut, concepts);
            Add("mean_purity", purity, "fraction", MetricDirection.Higher);
            Add("purity_latents", latents, "count", MetricDirection.None);
        }
        return records;
    }

    /// <summary>Fraction of concepts whose best latent's F1 reaches the threshold.</summary>
    public static double Coverage(IReadOnlyCollection<double> bestF1s, double threshold) =>
        bestF1s.Count == 0 ? double.NaN : bestF1s.Count(f => f >= threshold) / (double)bestF1s.Count;

    // Concepts with at least MinPositives tokens with and without them in both streams.
    private int[] Evaluated(ConceptLatentTable train, ConceptLatentTable heldOut) =>
        Enumerable.Range(0, train.Concepts.Count).Where(c =>
            Math.Min(train.Positives[c], train.Tokens - train.Positives[c]) >= _o.MinPositives &&
            Math.Min(heldOut.Positives[c], heldOut.Tokens - heldOut.Positives[c]) >= _o.MinPositives).ToArray();

    private IEnumerable<(int K, double Latent, double Raw)> Probes(ProbeData data, ConceptLatentTable train, int c, ulong seed)
    {
        var trainSample = Sample(data.Train, c, seed);
        var testSample = Sample(data.HeldOut, c, seed + 1);
        var latentDifferences = Enumerable.Range(0, train.Latents).Select(j => train.MeanDifference(j, c)).ToArray();
        var rawDifferences = RawMeanDifferences(data.Train, c);
        var latents = data.Train.Harvest.Latents;
        var heldLatents = data.HeldOut.Harvest.Latents;
        foreach (int k in _o.ProbeSizes)
        {
            double latent = SparseProbe.Accuracy(SparseProbe.TopByAbsolute(latentDifferences, Math.Min(k, train.Latents)),
                trainSample, (r, j) => latents.At(r, j), testSample, (r, j) => heldLatents.At(r, j), _o.Lambda);
            double raw = SparseProbe.Accuracy(SparseProbe.TopByAbsolute(rawDifferences, Math.Min(k, rawDifferences.Length)),
                trainSample, Raw(data.Train), testSample, Raw(data.HeldOut), _o.Lambda);
            yield return (k, latent, raw);
        }
    }

    private BalancedSample Sample(ProbeSplit split, int c, ulong seed)
    {
        ulong bit = 1UL << c;
        var rows = split.Evaluated();
        return BalancedSample.Draw(rows.Where(r => (split.Tokens.Masks[r] & bit) != 0).ToArray(),
            rows.Where(r => (split.Tokens.Masks[r] & bit) == 0).ToArray(), _o.MaxPerClass, seed * 131 + (ulong)c);
    }

    private static FeatureValue Raw(ProbeSplit split)
    {
        float[] raw = split.Harvest.Raw!;
        int d = split.Harvest.RawWidth;
        return (r, j) => raw[(long)r * d + j];
    }

    // Class mean − rest mean of every raw dimension over the training stream's evaluated tokens.
    private static double[] RawMeanDifferences(ProbeSplit split, int c)
    {
        int d = split.Harvest.RawWidth;
        float[] raw = split.Harvest.Raw!;
        var on = new double[d];
        var off = new double[d];
        long p = 0, n = 0;
        foreach (int r in split.Evaluated())
        {
            bool positive = (split.Tokens.Masks[r] >> c & 1) != 0;
            var sums = positive ? on : off;
            if (positive) p++; else n++;
            for (int j = 0; j < d; j++) sums[j] += raw[(long)r * d + j];
        }
        return Enumerable.Range(0, d).Select(j => p == 0 || n == 0 ? 0 : on[j] / p - off[j] / n).ToArray();
    }

    // Per latent: its best concept (highest validation F1 among the evaluated concepts) and the fraction of its top-N
    // activating validation tokens that carry it; averaged over latents active on at least PurityMinActive tokens.
    private (double Mean, int Latents) MeanPurity(ProbeSplit split, ConceptLatentTable table, int[] concepts)
    {
        var purities = new List<double>();
        for (int j = 0; j < table.Latents; j++)
        {
            if (table.Active(j) < _o.PurityMinActive) continue;
            int best = concepts.OrderByDescending(c => table.F1(j, c)).ThenBy(c => c).First();
            purities.Add(Purity(split, j, best, _o.PurityTop));
        }
        return (purities.Count == 0 ? double.NaN : purities.Average(), purities.Count);
    }

    /// <summary>Fraction of latent j's top-N (positive) activations on evaluated tokens that carry concept c.</summary>
    public static double Purity(ProbeSplit split, int j, int c, int top)
    {
        var (rows, values) = split.Harvest.Latents.Column(j);
        var best = Enumerable.Range(0, rows.Count).Where(e => values[e] > 0 && !split.Tokens.IsSeparator[rows[e]])
            .OrderByDescending(e => values[e]).ThenBy(e => rows[e]).Take(top).ToArray();
        return best.Length == 0 ? double.NaN : best.Count(e => (split.Tokens.Masks[rows[e]] >> c & 1) != 0) / (double)best.Length;
    }
}
