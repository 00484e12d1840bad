// ModelCommand — `interp-eval model info|logits|train`: describe a subject model, dump its logits for given token ids,
// and build the embedded default (tokenizer + model) from the corpus. Options are static fields; the work lives in
// Model*Handler.
using System.CommandLine;

namespace InterpEval.Harness.Commands.Model;

public static class ModelCommand
{
    public static readonly Option<string?> Model = new("--model")
    {
        Description = "A Hugging Face model directory (config.json + model.safetensors); defaults to the embedded model",
        HelpName = "DIR",
    };

    public static readonly Option<string> TokenIds = new("--token-ids")
    {
        Description = "Comma-separated token ids, e.g. 5,17,3",
        HelpName = "IDS",
        Required = true,
    };

    public static readonly Option<string> Out = new("--out")
    {
        Description = "Where to write: a .safetensors file for logits; a directory for train",
        HelpName = "PATH",
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("model", "Subject models: describe one, dump its logits, or train the embedded default");
        command.Subcommands.Add(CreateInfo());
        command.Subcommands.Add(CreateLogits());
        command.Subcommands.Add(ModelTrainCommand.Create());
        return command;
    }

    private static Command CreateInfo()
    {
        var command = new Command("info", "Architecture, sizes and hook points of a model") { Model, Json };
        command.SetAction(parseResult => (int)new ModelInfoHandler(parseResult.InvocationConfiguration.Output).Run(
            new ModelInfoOptions(ModelDirectory(parseResult), parseResult.GetValue(Json), parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }

    private static Command CreateLogits()
    {
        var logitsOut = new Option<string>("--out") { Description = "Output .safetensors file (one float32 tensor 'logits' [T, vocab])", HelpName = "FILE", Required = true };
        var command = new Command("logits", "Run token ids through a model and write the logits as safetensors") { Model, TokenIds, logitsOut };
        command.SetAction(parseResult => (int)new ModelLogitsHandler(parseResult.InvocationConfiguration.Output).Run(new ModelLogitsOptions(
            ModelDirectory(parseResult), parseResult.GetValue(TokenIds)!, parseResult.GetValue(logitsOut)!, parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }

    /// <summary>The --model value, or the embedded model when none is given.</summary>
    public static string ModelDirectory(ParseResult parseResult) => parseResult.GetValue(Model) ?? Interp.EmbeddedAssets.ModelDirectory;
}
