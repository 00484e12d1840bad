// ModelInfoHandler — `model info`: loads a model and prints its architecture, sizes and hook points as a table or
// JSON. Formatting only; the facts come from ModelConfig and TransformerModel.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Models;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Model;

/// <param name="Model">The model directory.</param>
/// <param name="Json">Print JSON instead of a table.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record ModelInfoOptions(string Model, bool Json, Device Device);

public sealed class ModelInfoHandler(TextWriter output)
{
    public ExitCode Run(ModelInfoOptions o)
    {
        string dir = o.Model;
        using var model = TransformerModel.Load(dir, o.Device);
        if (o.Json) output.WriteLine(ToJson(dir, model).ToJsonString());
        else WriteTable(dir, model, output);
        return ExitCode.Ok;
    }

    public static IEnumerable<(string Name, string Value)> Facts(TransformerModel model)
    {
        var c = model.Config;
        string I(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        yield return ("model_type", c.ModelType);
        yield return ("parameters", I(model.ParameterCount));
        yield return ("vocab", I(c.VocabSize));
        yield return ("d_model", I(c.DModel));
        yield return ("layers", I(c.NLayers));
        yield return ("heads (key/value)", $"{c.NHeads} ({c.NKvHeads})");
        yield return ("head dim", I(c.HeadDim));
        yield return ("d_mlp", I(c.DMlp));
        yield return ("context", I(c.NCtx));
        yield return ("norm", c.Family == ModelFamily.Gpt2 ? $"LayerNorm, eps {c.NormEps.ToString("G", CultureInfo.InvariantCulture)}" : $"RMSNorm, eps {c.NormEps.ToString("G", CultureInfo.InvariantCulture)}");
        yield return ("positions", c.Family == ModelFamily.Gpt2 ? "learned" : $"rotary, theta {c.RopeTheta.ToString("G", CultureInfo.InvariantCulture)}");
        yield return ("tied unembedding", c.TieWordEmbeddings ? "yes" : "no");
    }

    /// <summary>Hook points with the block index written as {l} (one line per kind, not per block).</summary>
    public static IEnumerable<string> HookPatterns(TransformerModel model) =>
        model.HookPoints.Select(h => System.Text.RegularExpressions.Regex.Replace(h, @"^blocks\.\d+\.", "blocks.{l}.")).Distinct();

    private static JsonObject ToJson(string dir, TransformerModel model)
    {
        var c = model.Config;
        return new JsonObject
        {
            ["path"] = dir, ["model_type"] = c.ModelType, ["parameters"] = model.ParameterCount, ["vocab_size"] = c.VocabSize,
            ["d_model"] = c.DModel, ["n_layers"] = c.NLayers, ["n_heads"] = c.NHeads, ["n_kv_heads"] = c.NKvHeads, ["head_dim"] = c.HeadDim,
            ["d_mlp"] = c.DMlp, ["n_ctx"] = c.NCtx, ["norm_eps"] = c.NormEps, ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["hook_points"] = new JsonArray(model.HookPoints.Select(h => (JsonNode)h).ToArray()),
        };
    }

    private static void WriteTable(string dir, TransformerModel model, TextWriter output)
    {
        var console = Terminal.For(output);
        var table = new Table().AddColumn("").AddColumn("value");
        table.AddRow("path", Markup.Escape(Path.GetFullPath(dir)));
        foreach (var (name, value) in Facts(model)) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        table.AddRow("hook points", Markup.Escape(string.Join("\n", HookPatterns(model)) + $"\n(l = 0..{model.Config.NLayers - 1})"));
        console.Write(table);
    }
}
