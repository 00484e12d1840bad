// AttributeHandler — runs `attribute`: loads the subject and its dictionaries, traces the prompt, prints what it found
// (prompt tokens, active and visited latents, backward passes, time, logit nodes, replacement and completeness scores
// and node/edge counts before and after pruning) and writes the files asked for. It computes no attribution itself.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Circuits;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Circuits;
using InterpEval.Torch;

namespace InterpEval.Harness.Commands.Attribute;

public sealed record AttributeOptions(IReadOnlyList<string> Dicts, string ModelDirectory, string Prompt, double NodeThreshold, double EdgeThreshold,
    int MaxLogits, double LogitProb, int? MaxFeatureNodes, int BatchSize, string Slug, string? Out, string? FullOut, string? Html, bool Json, Device Device);

public sealed class AttributeHandler
{
    public ExitCode Run(AttributeOptions o, TextWriter output)
    {
        if (o.MaxFeatureNodes is < 0) throw new UsageException($"--max-feature-nodes must be at least 0 (got {o.MaxFeatureNodes})");
        using var subject = CircuitSubject.Load(o.Dicts, o.ModelDirectory, o.Device);
        long[] ids = subject.Prompt(o.Prompt);
        var settings = new TraceSettings(new AttributionOptions(o.MaxLogits, o.LogitProb, o.MaxFeatureNodes, o.BatchSize), o.NodeThreshold, o.EdgeThreshold);
        using var scope = DisposeScope.Enter();
        using var trace = CircuitTrace.Run(subject.Model, subject.Coder, ids, o.Prompt, subject.TokenText, settings, o.Slug, subject.Scan, VersionAction.ToolVersion);
        if (o.Out is { } outPath) GraphJson.Save(trace.Pruned, outPath);
        if (o.FullOut is { } fullPath) GraphJson.Save(trace.Full, fullPath);
        if (o.Html is { } htmlPath) GraphViewerHtml.Save(trace.Pruned, htmlPath, GraphContexts.For(subject, trace.Pruned));
        var summary = Summary(trace, subject.Coder.Kind, o);
        output.WriteLine(o.Json ? summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : Text(summary));
        return ExitCode.Ok;
    }

    public static JsonObject Summary(CircuitTrace trace, string kind, AttributeOptions o)
    {
        var logits = new JsonArray(trace.Full.Nodes.Where(n => n.Kind == NodeKind.Logit)
            .Select(n => (JsonNode)new JsonObject { ["token_id"] = n.Index, ["token"] = n.Text, ["prob"] = n.LogitProb }).ToArray());
        JsonObject Scores(GraphScores s) => new()
        {
            ["replacement_score"] = s.ReplacementScore, ["completeness_score"] = s.CompletenessScore, ["nodes"] = s.Nodes, ["edges"] = s.Edges,
        };
        return new JsonObject
        {
            ["dictionaries"] = kind,
            ["prompt_tokens"] = new JsonArray(trace.Full.PromptTokens.Select(t => (JsonNode)t).ToArray()),
            ["active_features"] = trace.Stats.ActiveFeatures,
            ["visited_features"] = trace.Stats.VisitedFeatures,
            ["backward_passes"] = trace.Stats.BackwardPasses,
            ["seconds"] = Math.Round(trace.Elapsed.TotalSeconds, 3),
            ["logits"] = logits,
            ["before_pruning"] = Scores(trace.Before),
            ["after_pruning"] = Scores(trace.After),
            ["out"] = o.Out, ["full_out"] = o.FullOut, ["html"] = o.Html,
        };
    }

    // A token with its control characters escaped (a newline shows as \n), so the summary stays one line per item.
    private static string Visible(string token) => token.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r");

    private static string Text(JsonObject s)
    {
        var ci = CultureInfo.InvariantCulture;
        var w = new StringWriter(ci);
        w.WriteLine($"prompt: {string.Join(" | ", s["prompt_tokens"]!.AsArray().Select(t => Visible((string)t!)))}");
        w.WriteLine($"{s["dictionaries"]}: {s["active_features"]} active latents, {s["visited_features"]} rows computed, {s["backward_passes"]} backward passes, {((double)s["seconds"]!).ToString("0.###", ci)} s");
        w.WriteLine("logit nodes: " + string.Join(", ", s["logits"]!.AsArray().Select(l => string.Create(ci, $"{JsonSerializer.Serialize((string)l!["token"]!)} p={(double)l["prob"]!:0.###}"))));
        foreach (var (name, key) in new[] { ("before pruning", "before_pruning"), ("after pruning", "after_pruning") })
        {
            var x = s[key]!;
            w.WriteLine(string.Create(ci, $"{name}: replacement_score {(double)x["replacement_score"]!:0.0000}, completeness_score {(double)x["completeness_score"]!:0.0000}, {(int)x["nodes"]!} nodes, {(long)x["edges"]!} edges"));
        }
        foreach (var (label, key) in new[] { ("pruned graph", "out"), ("full graph", "full_out"), ("viewer", "html") })
            if (s[key] is { } path) w.WriteLine($"{label}: {path}");
        return w.ToString().TrimEnd();
    }
}
