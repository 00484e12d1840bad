// ModelTrainCommand — `interp-eval model train`: rebuilds the embedded default (BPE tokenizer + small GPT-2) from the
// corpus, deterministically from a seed. Options are static fields; the work is Interp's EmbeddedModelBuilder and the
// printing is ModelTrainHandler.
using System.CommandLine;

namespace InterpEval.Harness.Commands.Model;

public static class ModelTrainCommand
{
    public static readonly Option<string> Out = new("--out")
    {
        Description = "Output model directory (config.json, model.safetensors, tokenizer files, training_report.json)",
        HelpName = "DIR",
        DefaultValueFactory = _ => Path.Combine("embedded", "model"),
    };

    public static readonly Option<string?> Corpus = new("--corpus")
    {
        Description = "Corpus (corpus.jsonl.gz); defaults to the embedded corpus",
        HelpName = "FILE",
    };

    public static readonly Option<int> Steps = new("--steps")
    {
        Description = "Optimiser steps", HelpName = "N", DefaultValueFactory = _ => 1600, CustomParser = OptionParsers.PositiveInt("--steps"),
    };

    public static readonly Option<int> Batch = new("--batch")
    {
        Description = "Sequences per step (each of the model's context length)", HelpName = "B", DefaultValueFactory = _ => 32,
        CustomParser = OptionParsers.PositiveInt("--batch"),
    };

    public static readonly Option<int> Merges = new("--merges")
    {
        Description = "BPE merges to learn", HelpName = "N", DefaultValueFactory = _ => 4000, CustomParser = OptionParsers.PositiveInt("--merges"),
    };

    public static readonly Option<double> LearningRate = new("--lr")
    {
        Description = "Peak learning rate (AdamW, warm-up then cosine decay)", HelpName = "LR", DefaultValueFactory = _ => 3e-3,
    };

    public static readonly Option<ulong> Seed = new("--seed") { Description = "Seed for initialisation and data order", HelpName = "N", DefaultValueFactory = _ => 0UL };

    public static Command Create()
    {
        var command = new Command("train", "Train the embedded default: a byte-level BPE tokenizer and a small GPT-2 on the corpus, from a seed")
        {
            Out, Corpus, Steps, Batch, Merges, LearningRate, Seed,
        };
        command.SetAction(parseResult => (int)new ModelTrainHandler(parseResult.InvocationConfiguration.Output).Run(new ModelTrainOptions(
            parseResult.GetValue(Out)!, parseResult.GetValue(Corpus), parseResult.GetValue(Steps), parseResult.GetValue(Batch),
            parseResult.GetValue(Merges), parseResult.GetValue(LearningRate), parseResult.GetValue(Seed), parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }
}
