// InspectHandler — `interp-eval inspect`: per token of a text, the dictionary's top active latents and their values, as
// a table or JSON.
using System.Globalization;
using System.Text.Json;
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Activations;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Inspect;

/// <param name="Dict">The dictionary directory.</param>
/// <param name="Model">The subject model's directory.</param>
/// <param name="Text">The text to inspect.</param>
/// <param name="Top">Latents shown per token.</param>
/// <param name="Json">Print JSON instead of a table.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record InspectOptions(string Dict, string Model, string Text, int Top, bool Json, Device Device);

public sealed class InspectHandler(TextWriter output)
{
    public ExitCode Run(InspectOptions o)
    {
        using var subject = InterpretSubject.Load(o.Dict, o.Model, o.Device);
        string text = o.Text;
        if (text.Length == 0) throw new UsageException("--text is empty — give some text to inspect");
        var rows = Inspect(subject, text, o.Top);
        if (o.Json) output.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }));
        else Terminal.For(output).Write(Table(rows));
        return ExitCode.Ok;
    }

    /// <summary>Per token of the text (separator excluded): up to `top` latents with activation &gt; 0, largest first.</summary>
    public static List<TokenLatents> Inspect(InterpretSubject subject, string text, int top)
    {
        long[] ids = subject.Prompt(text);
        if (ids.Length > subject.Model.Config.NCtx)
            throw new UsageException($"--text: {ids.Length} tokens exceed the model's context of {subject.Model.Config.NCtx}");
        return LatentInspection.TopLatents(subject.Model, subject.Dictionary, subject.Tokenizer, ids, subject.Separator is null ? 0 : 1, top);
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
