// SubjectEvaluation — the suites over a set of loaded subjects, shared by `eval` and `run`: every suite on every
// single dictionary (ground-truth once, on the first: it measures the training recipe, not the dictionary), the full
// replacement model when transcoders cover every layer (SuiteInput.LayerTranscoders), feature splitting across widths
// with the neighbours suite, and each cross-layer transcoder through CltEvaluation. It loads, writes and prints nothing.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Suites;

namespace InterpEval.Harness.Evaluation;

/// <param name="strict">A suite that cannot run on a subject is a usage error (suites named explicitly) rather than a note.</param>
/// <param name="onSparsity">Called with each dictionary's sparsity result (the per-latent densities), or null.</param>
public sealed class SubjectEvaluation(TransformerModel model, ITokenizer tokenizer, Corpus corpus, SuiteOptions options,
    IReadOnlyList<(string Subject, SparseDictionary Dictionary)> dictionaries, IReadOnlyList<(string Subject, CrossLayerTranscoder Clt)> clts,
    IRunProgress progress, bool strict = false, Action<string, SparsityResult>? onSparsity = null)
{
    public List<MetricRecord> RunAll(IReadOnlyList<ISuite> suites, CancellationToken cancellation)
    {
        var replacement = ReplacementSet();
        var records = new List<MetricRecord>();
        var task = progress.Start($"suites: {string.Join(", ", suites.Select(s => s.Name))} on {dictionaries.Count + clts.Count} subjects",
            suites.Count * dictionaries.Count + clts.Count);
        for (int i = 0; i < dictionaries.Count; i++)
        {
            var (subject, dictionary) = dictionaries[i];
            var input = new SuiteInput(subject, dictionary, model, tokenizer, corpus, options)
            {
                LayerTranscoders = replacement is not null && ReferenceEquals(replacement[0], dictionary) ? replacement : null,
            };
            foreach (var suite in suites)
            {
                task.Increment();
                if (suite is GroundTruthSuite && i > 0) continue;                         // once per evaluation
                if (suite.CannotRun(input) is { } why)
                {
                    if (strict) throw new UsageException($"--suite {suite.Name}: cannot run on {subject}: {why}");
                    progress.Note($"skipped {suite.Name} on {subject}: {why}");
                    continue;
                }
                var clock = System.Diagnostics.Stopwatch.StartNew();
                records.AddRange(Run(suite, input, cancellation));
                progress.Note(FormattableString.Invariant($"{suite.Name} on {subject}: {clock.Elapsed.TotalSeconds:F1} s"));
            }
        }
        if (suites.Any(s => s is NeighboursSuite)) records.AddRange(Splitting(cancellation));
        foreach (var (subject, clt) in clts)
        {
            records.AddRange(RunClt(subject, clt, suites, cancellation));
            task.Increment();
        }
        task.Complete();
        return records;
    }

    /// <summary>A cross-layer transcoder's reconstruction, sparsity and replacement-model records (CltEvaluation),
    /// kept to the chosen suites; ground-truth and neighbours do not apply to it.</summary>
    private IEnumerable<MetricRecord> RunClt(string subject, CrossLayerTranscoder clt, IReadOnlyList<ISuite> suites, CancellationToken cancellation)
    {
        var wanted = suites.Select(s => s.Name)
            .Where(n => n is ReconstructionSuite.SuiteName or SparsitySuite.SuiteName or FidelitySuite.SuiteName or AttributionSuite.SuiteName).ToHashSet();
        if (wanted.Count == 0) return [];
        if (CltEvaluation.Problem(clt, model) is { } why)
        {
            if (strict) throw new UsageException($"--dict: cannot evaluate the cross-layer transcoder {subject}: {why}");
            progress.Note($"skipped {subject}: {why}");
            return [];
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var records = wanted.Overlaps([ReconstructionSuite.SuiteName, SparsitySuite.SuiteName, FidelitySuite.SuiteName])
            ? CltEvaluation.Run(subject, clt, model, tokenizer, corpus, options, cancellation).Where(r => wanted.Contains(r.Suite)).ToList()
            : [];
        if (wanted.Contains(AttributionSuite.SuiteName)) records.AddRange(AttributionSuite.RunClt(subject, clt, model, tokenizer, cancellation));
        progress.Note(FormattableString.Invariant($"clt metrics on {subject}: {clock.Elapsed.TotalSeconds:F1} s"));
        return records;
    }

    private IReadOnlyList<MetricRecord> Run(ISuite suite, SuiteInput input, CancellationToken cancellation)
    {
        if (suite is not SparsitySuite || onSparsity is null) return suite.Run(input, cancellation);
        var result = SparsitySuite.Measure(input, cancellation);
        onSparsity(input.Subject, result);
        return result.Records;
    }

    /// <summary>The transcoders in layer order when they replace every MLP of the model; null otherwise.</summary>
    private IReadOnlyList<SparseDictionary>? ReplacementSet()
    {
        var byLayer = new List<SparseDictionary>();
        for (int l = 0; l < model.Config.NLayers; l++)
        {
            var match = dictionaries.Select(d => d.Dictionary).FirstOrDefault(d => d.Kind.IsTranscoder()
                && d.Config.HookName == HookNames.Ln2Normalized(l) && d.Config.HookNameOut == HookNames.MlpOut(l));
            if (match is null) return null;
            byLayer.Add(match);
        }
        return ReplacementModel.Problem(byLayer, model) is null ? byLayer : null;
    }

    /// <summary>For every pair on one hook with different widths: which smaller latent each larger one descends from.</summary>
    private IEnumerable<MetricRecord> Splitting(CancellationToken cancellation)
    {
        foreach (var small in dictionaries)
            foreach (var large in dictionaries)
            {
                if (small.Dictionary.DSae >= large.Dictionary.DSae || small.Dictionary.Config.HookName != large.Dictionary.Config.HookName
                    || small.Dictionary.DOut != large.Dictionary.DOut) continue;
                var parents = NeighboursSuite.Parents(small.Dictionary, large.Dictionary, cancellation);
                foreach (var r in NeighboursSuite.SplittingRecords($"{small.Subject}->{large.Subject}", parents, small.Dictionary.DSae))
                    yield return r;
            }
    }
}
