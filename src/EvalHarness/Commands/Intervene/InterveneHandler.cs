// InterveneHandler — runs `intervene`: parses node ids into latent edits (each checked against the model and the
// dictionaries: a malformed id, a layer, position or latent out of range, or a node that is not a latent is a usage
// error naming it), runs the edit in the chosen mode, and prints the watched tokens' logits before and after, raw and
// de-meaned (minus the mean over the vocabulary). The intervention itself is Interventions'.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Circuits;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Circuits;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Intervene;

public sealed record InterveneOptions(IReadOnlyList<string> Dicts, string ModelDirectory, string Prompt, IReadOnlyList<string> Ablate,
    IReadOnlyList<string> Set, bool Direct, bool FreeAttention, string? Watch, int Top, bool Json, Device Device);

public sealed class InterveneHandler
{
    public ExitCode Run(InterveneOptions o, TextWriter output)
    {
        if (o.Ablate.Count == 0 && o.Set.Count == 0) throw new UsageException("intervene: give --ablate NODE_ID… or --set NODE_ID=VALUE…");
        if (o.Direct && o.FreeAttention) throw new UsageException("intervene: --direct and --free-attention exclude each other (--direct freezes attention)");
        using var subject = CircuitSubject.Load(o.Dicts, o.ModelDirectory, o.Device);
        long[] ids = subject.Prompt(o.Prompt);
        var edits = o.Ablate.Select(id => Parse(id, 0, subject, ids.Length, "--ablate"))
            .Concat(o.Set.Select(s => ParseSet(s, subject, ids.Length))).ToArray();
        var mode = o.Direct ? InterventionMode.Direct : o.FreeAttention ? InterventionMode.FreeAttention : InterventionMode.FrozenAttention;
        using var scope = DisposeScope.Enter();
        using var lrm = LocalReplacementModel.Build(subject.Model, subject.Coder, ids);
        var before = lrm.Logits.Select(0, ids.Length - 1).To(ScalarType.Float64).To(Device.Cpu).ToArray<double>();
        var after = Interventions.Logits(lrm, edits, mode).Select(0, ids.Length - 1).To(ScalarType.Float64).To(Device.Cpu).ToArray<double>();
        long[] watch = WatchList(o, before, subject.Model.Config.VocabSize);
        double meanBefore = before.Average(), meanAfter = after.Average();
        var rows = watch.Select(t => new JsonObject
        {
            ["token_id"] = t, ["token"] = subject.TokenText(t), ["before"] = before[t], ["after"] = after[t],
            ["before_demeaned"] = before[t] - meanBefore, ["after_demeaned"] = after[t] - meanAfter,
        }).ToArray();
        if (o.Json)
        {
            var doc = new JsonObject
            {
                ["mode"] = mode switch { InterventionMode.Direct => "direct", InterventionMode.FreeAttention => "free-attention", _ => "frozen-attention" },
                ["edits"] = new JsonArray(edits.Select(e => (JsonNode)new JsonObject
                {
                    ["node_id"] = $"{e.Layer}_{e.Latent}_{e.Position}", ["layer"] = e.Layer, ["position"] = e.Position, ["feature"] = e.Latent, ["value"] = e.Value,
                }).ToArray()),
                ["logits"] = new JsonArray(rows.Select(r => (JsonNode)r).ToArray()),
            };
            output.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCode.Ok;
        }
        var table = new Table().AddColumn("token_id").AddColumn("token").AddColumn("before").AddColumn("after").AddColumn("before (de-meaned)").AddColumn("after (de-meaned)");
        string F(JsonNode? x) => ((double)x!).ToString("0.0000", CultureInfo.InvariantCulture);
        foreach (var r in rows)
            table.AddRow(((long)r["token_id"]!).ToString(CultureInfo.InvariantCulture), Markup.Escape(JsonSerializer.Serialize((string)r["token"]!)),
                F(r["before"]), F(r["after"]), F(r["before_demeaned"]), F(r["after_demeaned"]));
        var console = Terminal.For(output);
        console.WriteLine($"{edits.Length} edit(s), mode {mode}");
        console.Write(table);
        return ExitCode.Ok;
    }

    private static long[] WatchList(InterveneOptions o, double[] before, int vocab)
    {
        if (o.Watch is null) return Enumerable.Range(0, before.Length).OrderByDescending(i => before[i]).Take(o.Top).Select(i => (long)i).ToArray();
        var list = new List<long>();
        foreach (string part in o.Watch.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long t) || t < 0 || t >= vocab)
                throw new UsageException($"--watch: '{part}' is not a token id in [0, {vocab})");
            list.Add(t);
        }
        if (list.Count == 0) throw new UsageException("--watch: no token ids given");
        return list.ToArray();
    }

    private static LatentEdit ParseSet(string text, CircuitSubject subject, int tokens)
    {
        int eq = text.IndexOf('=');
        if (eq < 0) throw new UsageException($"--set: '{text}' is not NODE_ID=VALUE");
        if (!double.TryParse(text[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"--set: '{text}': '{text[(eq + 1)..]}' is not a finite number");
        return Parse(text[..eq], v, subject, tokens, "--set");
    }

    /// <summary>A feature node id {layer}_{latent}_{pos} as an edit; anything else is a usage error naming the id.</summary>
    public static LatentEdit Parse(string id, double value, CircuitSubject subject, int tokens, string option)
    {
        var parts = id.Split('_');
        int layers = subject.Coder.NLayers;
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long latent)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pos))
            throw new UsageException($"{option}: unknown node id '{id}' — expected a feature node {{layer}}_{{feature}}_{{pos}}");
        if (latent < 0) throw new UsageException($"{option}: '{id}' is an error node, not a feature node");
        if (layer >= layers) throw new UsageException($"{option}: unknown node id '{id}' — layer {layer} is not a feature layer (0 … {layers - 1})");
        if (pos >= tokens) throw new UsageException($"{option}: unknown node id '{id}' — position {pos} is past the prompt's {tokens} tokens");
        if (latent >= subject.Coder.DSae) throw new UsageException($"{option}: unknown node id '{id}' — feature {latent} is past the dictionaries' {subject.Coder.DSae} latents");
        return new LatentEdit(layer, pos, latent, value);
    }
}
