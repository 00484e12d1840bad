// TokenizeCommand — `interp-eval tokenize`: the token ids a model gets for a text (with the BOS its tokenizer.json's
// post-processor adds, unless --raw), from a tokenizer directory holding tokenizer.json, vocab.json + merges.txt, or
// encoder.json + vocab.bpe (the embedded model's tokenizer by default).
using System.CommandLine;
using System.Text.Json;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Harness.Cli;

public static class TokenizeCommand
{
    public static readonly Option<string?> Tokenizer = new("--tokenizer")
    {
        Description = "Tokenizer directory (tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe); defaults to the embedded model's",
        HelpName = "PATH",
    };

    public static readonly Option<string?> Text = new("--text") { Description = "The text to tokenize", HelpName = "S" };

    public static readonly Option<string?> TextFile = new("--text-file") { Description = "A UTF-8 file whose whole content is tokenized", HelpName = "FILE" };

    public static readonly Option<bool> Raw = new("--raw") { Description = "Leave out the BOS/EOS that tokenizer.json's post-processor adds (Llama 3, Gemma)" };

    public static readonly Option<bool> Json = new("--json") { Description = "Print a JSON array instead of space-separated ids" };

    public static Command Create()
    {
        var command = new Command("tokenize", "Print the token ids of a text") { Tokenizer, Text, TextFile, Raw, Json };
        command.SetAction(parseResult => (int)Run(parseResult));
        return command;
    }

    private static ExitCode Run(ParseResult parseResult)
    {
        string? text = parseResult.GetValue(Text), file = parseResult.GetValue(TextFile);
        if ((text is null) == (file is null)) throw new UsageException("give exactly one of --text or --text-file");
        text ??= File.ReadAllText(file!);
        var tokenizer = TokenizerLoader.Load(parseResult.GetValue(Tokenizer) ?? Interp.EmbeddedAssets.ModelDirectory);
        int[] ids = parseResult.GetValue(Raw) ? tokenizer.Encode(text) : tokenizer.EncodeWithSpecialTokens(text);
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine(parseResult.GetValue(Json) ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
        return ExitCode.Ok;
    }
}
