// InspectCommand — `interp-eval inspect`: for each token of a text, the dictionary's top active latents and their
// values, as a table or JSON. The text is preceded by the model's separator token (not shown), as in training.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Commands.Model;
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Cli;

public static class InspectCommand
{
    public static readonly Option<string> Dict = new("--dict")
    {
        Description = "Dictionary directory (cfg.json + sae_weights.safetensors)", HelpName = "DIR", Required = true,
    };

    public static readonly Option<string> Text = new("--text") { Description = "The text to inspect", HelpName = "S", Required = true };

    public static readonly Option<int> Top = new("--top")
    {
        Description = "Latents shown per token", HelpName = "N", DefaultValueFactory = _ => 5, CustomParser = OptionParsers.PositiveInt("--top"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("inspect", "Show the top active latents of a dictionary at each token of a text") { Dict, ModelCommand.Model, Text, Top, Json };
        command.SetAction(parseResult => (int)Run(parseResult));
        return command;
    }

    public sealed record TokenLatents(int Position, long Id, string Token, IReadOnlyList<LatentValue> Latents);

    public sealed record LatentValue(int Latent, double Value);

    private static ExitCode Run(ParseResult parseResult)
    {
        using var subject = InterpretSubject.Load(parseResult.GetValue(Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(GlobalOptions.Device));
        string text = parseResult.GetValue(Text)!;
        if (text.Length == 0) throw new UsageException("--text is empty — give some text to inspect");
        var rows = Inspect(subject, text, parseResult.GetValue(Top));
        var output = parseResult.InvocationConfiguration.Output;
        if (parseResult.GetValue(Json)) output.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }));
        else Terminal.For(output).Write(Table(rows));
        return ExitCode.Ok;
    }

    /// <summary>Per token of the text (separator excluded): up to `top` latents with activation &gt; 0, largest first.</summary>
    public static List<TokenLatents> Inspect(InterpretSubject subject, string text, int top)
    {
        long[] ids = subject.Prompt(text);
        if (ids.Length > subject.Model.Config.NCtx)
            throw new UsageException($"--text: {ids.Length} tokens exceed the model's context of {subject.Model.Config.NCtx}");
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var x = Interp.Activations.LatentHarvester.Capture(subject.Model, Tensor.From<long>(ids, [1, ids.Length], subject.Model.Device), subject.Dictionary.Config.HookName);
        var f = subject.Dictionary.Encode(x.Select(0, 0)).To(Device.Cpu);                                  // [T, F]
        var best = f.TopK(Math.Min(top, subject.Dictionary.DSae), 1);
        float[] values = best.Values.ToArray<float>();
        long[] latents = best.Indices.ToArray<long>();
        int k = (int)best.Values.Size(1), first = subject.Separator is null ? 0 : 1;
        var rows = new List<TokenLatents>();
        for (int t = first; t < ids.Length; t++)
        {
            var active = Enumerable.Range(t * k, k).Where(e => values[e] > 0).Select(e => new LatentValue((int)latents[e], values[e])).ToList();
            rows.Add(new TokenLatents(t - first, ids[t], subject.Tokenizer.TokenText((int)ids[t]), active));
        }
        return rows;
    }

    private static Table Table(List<TokenLatents> rows)
    {
        var table = new Table().AddColumn("pos").AddColumn("token").AddColumn("top latents (value)");
        foreach (var row in rows)
        {
            string latents = row.Latents.Count == 0 ? "—" : string.Join(", ", row.Latents.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Latent} ({l.Value:0.###})")));
            string token = row.Token.Replace("\n", "\\n").Replace("\t", "\\t");
            table.AddRow(row.Position.ToString(CultureInfo.InvariantCulture), Markup.Escape($"'{token}'"), latents);
        }
        return table;
    }
}
