// EvalCommand — `interp-eval eval --dict DIR [--dict DIR …] [--model DIR] [--corpus FILE] [--suite NAME …] [--tokens N]
// [--out DIR]`: runs metric suites on saved dictionaries and writes the records. Options are static fields; the work
// lives in EvalHandler.
using System.CommandLine;
using InterpEval.Harness.Commands.Model;
using InterpEval.Suites;

namespace InterpEval.Harness.Commands.Eval;

public static class EvalCommand
{
    public static readonly Option<string[]> Dict = new("--dict")
    {
        Description = "A dictionary directory (cfg.json + sae_weights.safetensors, or a cross-layer transcoder); repeat for several. Per-layer transcoders covering " +
            "every layer also give the full replacement model; two widths on one hook also give the feature-splitting match",
        HelpName = "DIR",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string?> Corpus = new("--corpus")
    {
        Description = "The labelled corpus (.jsonl.gz) whose validation split is evaluated; defaults to the embedded corpus",
        HelpName = "FILE",
    };

    public static readonly Option<string[]> Suite = new("--suite")
    {
        Description = $"A suite to run (repeat for several): {string.Join(", ", SuiteRegistry.Names)}; default: every suite that can run",
        HelpName = "NAME",
    };

    /// <summary>eval's own default: twice the default profile's eval.tokens (a standalone measurement, not a CI gate).</summary>
    public const int DefaultTokens = 16384;

    public static readonly Option<int> Tokens = new("--tokens")
    {
        Description = "Evaluation tokens per suite, taken from the validation split (separator positions are then dropped)",
        HelpName = "N",
        DefaultValueFactory = _ => DefaultTokens,
        CustomParser = OptionParsers.PositiveInt("--tokens"),
    };

    public static readonly Option<string> Out = new("--out")
    {
        Description = "Directory for results.json, results.csv and each dictionary's sparsity.safetensors",
        HelpName = "DIR",
        DefaultValueFactory = _ => "eval-results",
    };

    public static Command Create()
    {
        var command = new Command("eval", "Run metric suites on dictionaries: writes the records as JSON and CSV and prints a table")
        {
            Dict, ModelCommand.Model, Corpus, Suite, Tokens, Out,
        };
        command.SetAction((parseResult, cancellation) => Task.FromResult((int)new EvalHandler(parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error).Run(Options(parseResult), cancellation)));
        return command;
    }

    public static EvalOptions Options(ParseResult parseResult) => new(parseResult.GetValue(Dict) ?? [], ModelCommand.ModelDirectory(parseResult),
        parseResult.GetValue(Corpus), parseResult.GetValue(Suite) ?? [], parseResult.GetValue(Tokens), parseResult.GetValue(Out)!,
        parseResult.GetValue(GlobalOptions.Device), parseResult.GetValue(GlobalOptions.Threads));
}
