// AttributionSuite — circuit tracing as a metric (DESIGN §8–9): for a fixed set of prompts, one per generated and
// natural domain of the embedded corpus, the attribution graph on the local replacement model of a full set of
// per-layer transcoders (run once per set, on its layer-0 transcoder) or of a cross-layer transcoder (RunClt), pruned at
// circuit-tracer's defaults; records are the mean replacement and completeness scores of the unpruned and of the pruned
// graphs, and the mean pruned node and edge counts. Rows are computed for at most MaxFeatureNodes latents per graph,
// most influential first, so the cost is bounded whatever the dictionary's width. It prints nothing.
using InterpEval.Interp.Circuits;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

public sealed class AttributionSuite : ISuite
{
    public const string SuiteName = "attribution";

    /// <summary>Feature rows per graph (circuit-tracer's max_feature_nodes).</summary>
    public const int MaxFeatureNodes = 256;

    /// <summary>The prompt set: one per domain of the embedded corpus (the separator is put in front).</summary>
    public static readonly IReadOnlyList<(string Domain, string Text)> Prompts =
    [
        ("dna", "Forward primer for HBB: 5'-GTACCCATGGTACCA"),
        ("arithmetic", "81 - 45 = 36\n25/5=5\n43 + 12 ="),
        ("prose", "In the beginning, God created the heavens and the"),
        ("code", "def add(a, b):\n    return a +"),
        ("json", "{\n    \"id\": 623314,\n    \"name\": \""),
        ("dates", "1974-11-24T07:47:00Z INFO copper job"),
    ];

    public string Name => SuiteName;

    public string Description => "Attribution graphs on the local replacement model (PLT sets, CLTs): replacement and completeness scores, pruned graph sizes";

    public string? CannotRun(SuiteInput input)
    {
        if (input.Model is null || input.Tokenizer is null) return "needs the subject model and its tokenizer";
        if (input.LayerTranscoders is null) return "needs a transcoder for every layer (the graph is built once per set, on its layer-0 transcoder)";
        return ReferenceEquals(input.LayerTranscoders[0], input.Dictionary) ? null : "runs once per transcoder set, on its layer-0 transcoder";
    }

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default)
    {
        if (CannotRun(input) is { } why) throw new InvalidOperationException(why);
        var coder = ReplacementCoder.FromTranscoders(input.LayerTranscoders!, input.Model!.Config.NLayers);
        return Measure(SetName(input.Subject), coder, input.Model, input.Tokenizer!, cancellation);
    }

    /// <summary>A CLT: its attribution graphs on the local replacement model.</summary>
    public IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) =>
        RunClt(input.Subject, input.Clt, input.Model, input.Tokenizer, cancellation);

    /// <summary>The records of a cross-layer transcoder.</summary>
    public static IReadOnlyList<MetricRecord> RunClt(string subject, CrossLayerTranscoder clt, TransformerModel model, ITokenizer tokenizer,
        CancellationToken cancellation = default) =>
        Measure(subject, ReplacementCoder.FromClt(clt, model.Config.NLayers), model, tokenizer, cancellation);

    /// <summary>A set's name from its layer-0 member's id ("plt-l0" → "plt").</summary>
    public static string SetName(string layerZeroSubject) =>
        layerZeroSubject.EndsWith("-l0", StringComparison.Ordinal) ? layerZeroSubject[..^3] : layerZeroSubject;

    private static IReadOnlyList<MetricRecord> Measure(string subject, ReplacementCoder coder, TransformerModel model, ITokenizer tokenizer,
        CancellationToken cancellation)
    {
        var settings = new TraceSettings(new AttributionOptions(MaxFeatureNodes: MaxFeatureNodes, BatchSize: 32));
        int? separator = model.Config.BosTokenId ?? tokenizer.EndOfTextId;
        var replacement = new List<double>();
        var completeness = new List<double>();
        var prunedReplacement = new List<double>();
        var prunedCompleteness = new List<double>();
        var nodes = new List<double>();
        var edges = new List<double>();
        foreach (var (_, text) in Prompts)
        {
            cancellation.ThrowIfCancellationRequested();
            var ids = tokenizer.Encode(text, recognizeSpecialTokens: false).Select(i => (long)i);
            long[] prompt = (separator is int s ? ids.Prepend(s) : ids).Take(model.Config.NCtx).ToArray();   // a short-context model sees a prefix
            using var scope = DisposeScope.Enter();
            using var trace = CircuitTrace.Run(model, coder, prompt, text, id => tokenizer.Decode([(int)id]), settings);
            replacement.Add(trace.Before.ReplacementScore);
            completeness.Add(trace.Before.CompletenessScore);
            prunedReplacement.Add(trace.After.ReplacementScore);
            prunedCompleteness.Add(trace.After.CompletenessScore);
            nodes.Add(trace.After.Nodes);
            edges.Add(trace.After.Edges);
        }
        MetricRecord Record(string name, List<double> values, string unit, MetricDirection direction) =>
            new(SuiteName, subject, name, values.Average(), unit, direction, StdErr(values));
        return
        [
            Record("replacement_score", replacement, "fraction", MetricDirection.Higher),
            Record("completeness_score", completeness, "fraction", MetricDirection.Higher),
            Record("pruned_replacement_score", prunedReplacement, "fraction", MetricDirection.Higher),
            Record("pruned_completeness_score", prunedCompleteness, "fraction", MetricDirection.Higher),
            Record("pruned_nodes", nodes, "nodes", MetricDirection.None),
            Record("pruned_edges", edges, "edges", MetricDirection.None),
        ];
    }

    private static double StdErr(List<double> v)
    {
        if (v.Count < 2) return 0;
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1) / v.Count);
    }
}
