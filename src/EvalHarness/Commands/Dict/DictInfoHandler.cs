// DictInfoHandler — `dict info`: what a saved dictionary is (architecture, kind, widths, hooks, k or threshold, scale),
// what it holds (files, parameter count), decoder-row norms and, when sparsity.safetensors exists, a feature-density
// summary. A table, or one JSON object with --json. Reads and describes only; it computes no metric over data.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Dict;

/// <param name="Dict">The dictionary directory.</param>
/// <param name="Json">Print one JSON object instead of a table.</param>
public sealed record DictInfoOptions(string Dict, bool Json);

public sealed class DictInfoHandler(TextWriter output)
{
    /// <summary>Density below which a latent counts as dead (SAELens stores log10(density + 1e-10): never fired ≈ −10).</summary>
    public const double DeadLog10Density = -9;

    /// <summary>Density above which a latent counts as dense (fires on more than 10 % of tokens).</summary>
    public const double DenseLog10Density = -1;

    public ExitCode Run(DictInfoOptions o)
    {
        string dir = o.Dict;
        using var dictionary = SparseDictionary.Load(dir, Device.Cpu);
        var info = Describe(dictionary, dir);
        if (o.Json) output.WriteLine(info.ToJsonString());
        else WriteTable(info, output);
        return ExitCode.Ok;
    }

    public static JsonObject Describe(SparseDictionary d, string dir)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var c = d.Config;
        var info = new JsonObject
        {
            ["directory"] = dir, ["architecture"] = c.Architecture, ["kind"] = c.Kind.Name(), ["d_in"] = c.DIn, ["d_sae"] = c.DSae,
            ["d_out"] = c.DOut, ["hook_name"] = c.HookName, ["hook_name_out"] = c.HookNameOut, ["model_name"] = c.ModelName,
            ["k"] = c.UsesK ? c.K : null, ["apply_b_dec_to_input"] = c.ApplyBDecToInput, ["normalize_activations"] = c.NormalizeActivations,
            ["dtype"] = c.Dtype, ["parameters"] = d.Parameters.Sum(p => p.NumEl),
        };
        if (d is JumpReluDictionary j) info["threshold"] = Stats(j.Threshold());
        info["decoder_norms"] = Stats(d.DecoderRowNorms());
        info["files"] = new JsonArray(Directory.GetFiles(dir).Order(StringComparer.Ordinal)
            .Select(f => (JsonNode)new JsonObject { ["name"] = Path.GetFileName(f), ["bytes"] = new FileInfo(f).Length }).ToArray());
        if (d.LogFeatureDensity is { } density) info["density"] = DensitySummary(density);
        return info;
    }

    /// <summary>min, mean, max of a 1-D tensor (float64).</summary>
    private static JsonObject Stats(Tensor t)
    {
        var v = t.To(ScalarType.Float64).ToArray<double>();
        return v.Length == 0 ? new JsonObject() : new JsonObject { ["min"] = Number(v.Min()), ["mean"] = Number(v.Average()), ["max"] = Number(v.Max()) };
    }

    /// <summary>A JSON number, or the string results.json uses for a value JSON cannot hold (norms of finite but huge
    /// weights overflow to Infinity; a never-fired latent's log density may be -Infinity).</summary>
    private static JsonNode Number(double x) =>
        double.IsFinite(x) ? JsonValue.Create(x) : JsonValue.Create(double.IsNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");

    /// <summary>Dead and dense counts and the median log10 density; NaN entries are counted apart.</summary>
    private static JsonObject DensitySummary(Tensor logDensity)
    {
        var v = logDensity.To(ScalarType.Float64).ToArray<double>();
        var finite = v.Where(x => !double.IsNaN(x)).Order().ToArray();
        return new JsonObject
        {
            ["latents"] = v.Length, ["dead"] = finite.Count(x => x < DeadLog10Density), ["dense"] = finite.Count(x => x > DenseLog10Density),
            ["nan"] = v.Length - finite.Length, ["median_log10_density"] = finite.Length == 0 ? null : Number(finite[finite.Length / 2]),
        };
    }

    private static void WriteTable(JsonObject info, TextWriter output)
    {
        var table = new Table().Title(Markup.Escape($"dictionary {info["directory"]}")).AddColumn("").AddColumn("value");
        foreach (var (key, value) in info)
        {
            if (key == "directory" || value is null) continue;
            string text = value switch
            {
                JsonObject o => string.Join(", ", o.Select(kv => $"{kv.Key} {Format(kv.Value)}")),
                JsonArray a => string.Join(", ", a.OfType<JsonObject>().Select(f => $"{f["name"]} ({Format(f["bytes"])} B)")),
                _ => Format(value),
            };
            table.AddRow(Markup.Escape(key), Markup.Escape(text));
        }
        Terminal.For(output).Write(table);
    }

    private static string Format(JsonNode? node) => node switch
    {
        null => "—",
        JsonValue v when v.TryGetValue(out double x) && !v.TryGetValue(out long _) => x.ToString("G5", CultureInfo.InvariantCulture),
        _ => node.ToString(),
    };
}
