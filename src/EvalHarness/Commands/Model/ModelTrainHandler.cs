// ModelTrainHandler — `model train`: runs EmbeddedModelBuilder with a progress bar (plain progress lines when not on a
// terminal), then prints held-out loss per domain against the unigram baseline and writes training_report.json.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.IO;
using InterpEval.Interp.Models.Training;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Model;

/// <param name="Out">The output model directory.</param>
/// <param name="Corpus">The corpus file, or null for the embedded corpus.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="Merges">BPE merges to learn.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Seed">Seed for initialisation and data order.</param>
/// <param name="Device">Where the model trains (--device).</param>
public sealed record ModelTrainOptions(string Out, string? Corpus, int Steps, int Batch, int Merges, double LearningRate, ulong Seed, InterpEval.Torch.Device Device);

public sealed class ModelTrainHandler(TextWriter output)
{
    public ExitCode Run(ModelTrainOptions o)
    {
        string outDir = o.Out;
        var corpus = Corpus.Load(o.Corpus ?? Interp.EmbeddedAssets.CorpusPath);
        var recipe = new EmbeddedModelRecipe(
            Merges: o.Merges,
            Seed: o.Seed,
            Training: new LanguageModelTrainingOptions(Steps: o.Steps,
                BatchSize: o.Batch, LearningRate: o.LearningRate));
        var progress = new Progress(output, recipe.TrainingOptions.Steps);
        EmbeddedModelReport report = EmbeddedModelBuilder.Build(corpus, recipe, outDir, o.Device, progress);
        AtomicFile.WriteAllText(Path.Combine(outDir, "training_report.json"), ToJson(report, recipe).ToJsonString(new() { WriteIndented = true }));
        WriteTable(report, output);
        return ExitCode.Ok;
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static void WriteTable(EmbeddedModelReport r, TextWriter output)
    {
        output.WriteLine($"{r.ParameterCount:N0} parameters, vocab {r.VocabSize}, {r.Steps} steps over {r.TrainTokens:N0} train tokens in {r.Elapsed:hh\\:mm\\:ss}; held-out loss in nats/token:");
        var table = new Table().AddColumn("domain").AddColumn("tokens").AddColumn("model").AddColumn("unigram");
        foreach (var d in r.Validation) table.AddRow(Markup.Escape(d.Domain), d.Tokens.ToString(CultureInfo.InvariantCulture), F(d.ModelLoss), F(d.UnigramLoss));
        Terminal.For(output).Write(table);
    }

    private static JsonObject ToJson(EmbeddedModelReport r, EmbeddedModelRecipe recipe) => new()
    {
        ["vocab_size"] = r.VocabSize, ["parameters"] = r.ParameterCount, ["train_tokens"] = r.TrainTokens, ["steps"] = r.Steps,
        ["batch_size"] = recipe.TrainingOptions.BatchSize, ["context"] = recipe.Context, ["learning_rate"] = recipe.TrainingOptions.LearningRate,
        ["seed"] = recipe.Seed, ["merges"] = recipe.Merges, ["final_train_loss"] = r.FinalTrainLoss, ["seconds"] = Math.Round(r.Elapsed.TotalSeconds),
        ["validation"] = new JsonArray(r.Validation.Select(d => (JsonNode)new JsonObject
        {
            ["domain"] = d.Domain, ["tokens"] = d.Tokens, ["model_loss"] = d.ModelLoss, ["unigram_loss"] = d.UnigramLoss,
        }).ToArray()),
    };

    /// <summary>Training progress: a line every 5 % of the steps (works in CI logs and terminals alike).</summary>
    private sealed class Progress(TextWriter output, int steps) : IProgress<TrainingStep>
    {
        private readonly int _every = Math.Max(1, steps / 20);

        public void Report(TrainingStep s)
        {
            if (s.Step % _every == 0 || s.Step == s.Steps)
                output.WriteLine($"step {s.Step}/{s.Steps}  loss {F(s.Loss)}  lr {s.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}  grad-norm {F(s.GradNorm)}");
        }
    }
}
