// TokenizeHandler — `interp-eval tokenize`: loads the tokenizer and prints the ids of one text (space-separated or a
// JSON array).
using System.CommandLine;
using System.Text.Json;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Harness.Commands.Tokenize;

/// <param name="Tokenizer">Tokenizer directory, or null for the embedded model's.</param>
/// <param name="Text">The text, or null when TextFile gives it.</param>
/// <param name="TextFile">A UTF-8 file whose whole content is tokenized, or null.</param>
/// <param name="Raw">Leave out the special tokens the post-processor adds.</param>
/// <param name="Json">Print a JSON array.</param>
public sealed record TokenizeOptions(string? Tokenizer, string? Text, string? TextFile, bool Raw, bool Json);

public sealed class TokenizeHandler(TextWriter stdout)
{
    public ExitCode Run(TokenizeOptions o)
    {
        string? text = o.Text, file = o.TextFile;
        if ((text is null) == (file is null)) throw new UsageException("give exactly one of --text or --text-file");
        text ??= File.ReadAllText(file!);
        var tokenizer = TokenizerLoader.Load(o.Tokenizer ?? Interp.EmbeddedAssets.ModelDirectory);
        int[] ids = o.Raw ? tokenizer.Encode(text) : tokenizer.EncodeWithSpecialTokens(text);
        stdout.WriteLine(o.Json ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
        return ExitCode.Ok;
    }
}
