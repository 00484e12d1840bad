// BenchAttributeHandler — runs `bench attribute`: one untimed warm-up graph, then one graph per prompt length (the
// first tokens of the embedded corpus's prose, after the separator), each timed end to end (replacement model,
// attribution, pruning, scores); reports seconds, backward passes, active and visited latents, the attribution row
// buffer ((rows) × (sources) float32, linear in the rows kept) and the process's peak resident memory so far.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Circuits;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.BenchAttribute;

public sealed record BenchAttributeOptions(string? Dict, string ModelDirectory, string Lengths, int? MaxFeatureNodes, int BatchSize, bool Json, Device Device);

public sealed class BenchAttributeHandler
{
    public ExitCode Run(BenchAttributeOptions o, TextWriter output)
    {
        int[] lengths = ParseLengths(o.Lengths);
        if (o.MaxFeatureNodes is < 0) throw new UsageException($"--max-feature-nodes must be at least 0 (got {o.MaxFeatureNodes})");
        using var model = TransformerModel.Load(o.ModelDirectory, o.Device);
        if (lengths.Max() > model.Config.NCtx) throw new UsageException($"--lengths: {lengths.Max()} tokens exceed the model's context of {model.Config.NCtx}");
        var tokenizer = TokenizerLoader.Load(o.ModelDirectory);
        using var clt = o.Dict is { } dir
            ? (CltFormat.IsCltDirectory(dir) ? CltFormat.Load(dir, o.Device) : throw new UsageException($"--dict: {dir} is not a CLT directory"))
            : CrossLayerTranscoder.Create(new CltConfig { Activation = CltActivation.TopK, NLayers = model.Config.NLayers, DModel = model.Config.DModel, DSae = 256, K = 16 }, 0, o.Device);
        var coder = ReplacementCoder.FromClt(clt, model.Config.NLayers);
        long[] stream = PromptTokens(model, tokenizer, lengths.Max());
        var settings = new TraceSettings(new AttributionOptions(MaxFeatureNodes: o.MaxFeatureNodes, BatchSize: o.BatchSize));
        string Text(long id) => tokenizer.Decode([(int)id]);
        using (DisposeScope.Enter())
            CircuitTrace.Run(model, coder, stream[..Math.Min(8, stream.Length)], "warm-up", Text, settings).Dispose();
        var rows = new JsonArray();
        foreach (int n in lengths)
        {
            using var scope = DisposeScope.Enter();
            using var trace = CircuitTrace.Run(model, coder, stream[..n], $"{n} tokens", Text, settings);
            int logits = trace.Full.Count(NodeKind.Logit);
            long columns = trace.Stats.ActiveFeatures + (long)(model.Config.NLayers + 1) * n;
            double rowBufferMb = (double)(trace.Stats.VisitedFeatures + logits) * columns * 4 / (1 << 20);
            rows.Add(new JsonObject
            {
                ["tokens"] = n, ["seconds"] = Math.Round(trace.Elapsed.TotalSeconds, 4), ["backward_passes"] = trace.Stats.BackwardPasses,
                ["active_features"] = trace.Stats.ActiveFeatures, ["visited_features"] = trace.Stats.VisitedFeatures, ["logit_nodes"] = logits,
                ["row_buffer_mb"] = Math.Round(rowBufferMb, 2), ["peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1),
                ["pruned_nodes"] = trace.After.Nodes, ["replacement_score"] = Math.Round(trace.Before.ReplacementScore, 4),
            });
        }
        var doc = new JsonObject
        {
            ["benchmark"] = "attribute", ["model"] = o.ModelDirectory, ["clt"] = o.Dict ?? "random topk CLT (width 256, k 16, seed 0)",
            ["device"] = o.Device.ToString(), ["threads"] = TorchRuntime.NumThreads, ["processors"] = MachineInfo.Current().ProcessorCount,
            ["batch_size"] = o.BatchSize, ["max_feature_nodes"] = o.MaxFeatureNodes, ["graphs"] = rows,
        };
        if (o.Json) output.WriteLine(doc.ToJsonString());
        else Table(rows, output);
        return ExitCode.Ok;
    }

    private static void Table(JsonArray rows, TextWriter output)
    {
        var table = new Table().AddColumn("tokens").AddColumn("seconds").AddColumn("backward passes").AddColumn("active").AddColumn("rows")
            .AddColumn("row buffer MB").AddColumn("peak RSS MB");
        foreach (var r in rows)
            table.AddRow(new[] { "tokens", "seconds", "backward_passes", "active_features", "visited_features", "row_buffer_mb", "peak_rss_mb" }
                .Select(k => r![k]!.ToJsonString()).ToArray());
        Terminal.For(output).Write(table);
    }

    private static int[] ParseLengths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var lengths = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 2)
                throw new UsageException($"--lengths: '{p}' is not a prompt length of at least 2 tokens");
            lengths.Add(n);
        }
        if (lengths.Count == 0) throw new UsageException("--lengths: no lengths given");
        return lengths.ToArray();
    }

    // The separator, then the embedded corpus's training prose, to the longest length asked for.
    private static long[] PromptTokens(TransformerModel model, ITokenizer tokenizer, int length)
    {
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var ids = new List<long>();
        if ((model.Config.BosTokenId ?? tokenizer.EndOfTextId) is int s) ids.Add(s);
        foreach (var doc in corpus.Train.Where(d => d.Domain == "prose"))
        {
            ids.AddRange(tokenizer.Encode(doc.Text, recognizeSpecialTokens: false).Select(i => (long)i));
            if (ids.Count >= length) break;
        }
        if (ids.Count < length) throw new UsageException($"--lengths: the corpus's prose has only {ids.Count} tokens");
        return ids.Take(length).ToArray();
    }
}
