// TokenizeCommand — `interp-eval tokenize`: the token ids a model gets for a text (with the BOS its tokenizer.json's
// post-processor adds, unless --raw), from a tokenizer directory holding tokenizer.json, vocab.json + merges.txt, or
// encoder.json + vocab.bpe (the embedded model's tokenizer by default).
using System.CommandLine;
using System.Text.Json;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Harness.Commands.Tokenize;

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
        command.SetAction(parseResult => (int)new TokenizeHandler(parseResult.InvocationConfiguration.Output).Run(Options(parseResult)));
        return command;
    }

    public static TokenizeOptions Options(ParseResult parseResult) => new(parseResult.GetValue(Tokenizer), parseResult.GetValue(Text),
        parseResult.GetValue(TextFile), parseResult.GetValue(Raw), parseResult.GetValue(Json));
}
