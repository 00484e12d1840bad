// BenchCommand — `interp-eval bench ...`: performance measurements as commands (DESIGN §11), never as timed tests.
// Today: `bench gemm`, `bench harvest`, `bench train`, `bench attribute` (Commands/BenchAttribute). Options are static fields; the measuring lives in Bench/, the formatting in Bench*Handler.
using System.CommandLine;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Commands.Model;

namespace InterpEval.Harness.Commands.Bench;

/// <param name="Settings">What to measure (the benchmark's own settings record).</param>
/// <param name="Json">Print one JSON object instead of a table.</param>
public sealed record BenchOptions<TSettings>(TSettings Settings, bool Json);

public static class BenchCommand
{
    public static readonly Option<int> Size = new("--size")
    {
        Description = "Matrix size N (both operands are N×N float32)",
        HelpName = "N",
        DefaultValueFactory = _ => 2048,
        CustomParser = OptionParsers.PositiveInt("--size"),
    };

    public static readonly Option<int> Repeats = new("--repeats")
    {
        Description = "Timed repeats after the warm-up; the best one is the headline figure",
        HelpName = "R",
        DefaultValueFactory = _ => 10,
        CustomParser = OptionParsers.PositiveInt("--repeats"),
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object instead of a table",
    };

    public static Command Create()
    {
        var command = new Command("bench", "Measure performance through the binding (JSON out with --json)");
        command.Subcommands.Add(CreateGemm());
        command.Subcommands.Add(CreateHarvest());
        command.Subcommands.Add(CreateTrain());
        command.Subcommands.Add(Commands.BenchAttribute.BenchAttributeCommand.Create());
        return command;
    }

    public static readonly Option<string> TrainArch = new("--arch")
    {
        Description = "Dictionary architecture: relu or topk", HelpName = "relu|topk", DefaultValueFactory = _ => "relu",
    };

    public static readonly Option<int> TrainDIn = new("--d-in")
    {
        Description = "Input width", HelpName = "D", DefaultValueFactory = _ => 256, CustomParser = OptionParsers.PositiveInt("--d-in"),
    };

    public static readonly Option<int> TrainWidth = new("--width")
    {
        Description = "Latents (d_sae)", HelpName = "S", DefaultValueFactory = _ => 16384, CustomParser = OptionParsers.PositiveInt("--width"),
    };

    public static readonly Option<int> TrainK = new("--k")
    {
        Description = "Active latents per token (topk)", HelpName = "K", DefaultValueFactory = _ => 32, CustomParser = OptionParsers.PositiveInt("--k"),
    };

    public static readonly Option<int> TrainBatch = new("--batch")
    {
        Description = "Tokens per step", HelpName = "N", DefaultValueFactory = _ => 4096, CustomParser = OptionParsers.PositiveInt("--batch"),
    };

    public static readonly Option<int> TrainSteps = new("--steps")
    {
        Description = "Timed steps after one warm-up step", HelpName = "STEPS", DefaultValueFactory = _ => 10, CustomParser = OptionParsers.PositiveInt("--steps"),
    };

    public static readonly Option<bool> TrainGeneric = new("--generic")
    {
        Description = "Time the generic autograd path instead of the fused/sparse kernels",
    };

    public static readonly Option<int> TrainGemmSize = new("--gemm-size")
    {
        Description = "N of the N×N sgemm measured as the peak", HelpName = "N", DefaultValueFactory = _ => 2048, CustomParser = OptionParsers.PositiveInt("--gemm-size"),
    };

    public static readonly Option<bool> TrainProfilePhases = new("--profile-phases")
    {
        Description = "Also report the mean seconds per step of each phase (forward, backward, decoder constraint, Adam, zero-grad)",
    };

    public static readonly Option<double?> TrainDensity = new("--density")
    {
        Description = "relu: start b_enc so that this fraction of latents fires (e.g. 0.005, a dictionary past warm-up); the relu objective goes sparse below 0.02",
        HelpName = "D",
    };

    public static Command CreateTrain()
    {
        var command = new Command("train", "Full training steps of a relu or topk SAE on random data (forward, objective, backward, Adam, topk's decoder constraint): tokens/s, GEMM GFLOP/s and the fraction of the sgemm peak measured in the same run")
        {
            TrainArch, TrainDIn, TrainWidth, TrainK, TrainBatch, TrainSteps, TrainGeneric, TrainGemmSize, TrainProfilePhases, TrainDensity, Json,
        };
        command.SetAction(parseResult => (int)new BenchTrainHandler(parseResult.InvocationConfiguration.Output).Run(new(new TrainSettings(
            parseResult.GetValue(TrainArch)!, parseResult.GetValue(TrainDIn), parseResult.GetValue(TrainWidth), parseResult.GetValue(TrainK), parseResult.GetValue(TrainBatch),
            parseResult.GetValue(TrainSteps), parseResult.GetValue(GlobalOptions.Device), Fused: !parseResult.GetValue(TrainGeneric),
            GemmSize: parseResult.GetValue(TrainGemmSize), ProfilePhases: parseResult.GetValue(TrainProfilePhases),
            Density: parseResult.GetValue(TrainDensity)), parseResult.GetValue(Json))));
        return command;
    }

    public static readonly Option<string?> HarvestHook = new("--hook")
    {
        Description = "Hook point to harvest; defaults to the residual stream after the middle block",
        HelpName = "NAME",
    };

    public static readonly Option<int> Batch = new("--batch")
    {
        Description = "Sequences per batch", HelpName = "B", DefaultValueFactory = _ => 32, CustomParser = OptionParsers.PositiveInt("--batch"),
    };

    public static readonly Option<int> Sequence = new("--seq")
    {
        Description = "Tokens per sequence", HelpName = "T", DefaultValueFactory = _ => 128, CustomParser = OptionParsers.PositiveInt("--seq"),
    };

    public static Command CreateHarvest()
    {
        var command = new Command("harvest", "Tokens/s harvesting one hook from a model (batch × seq random ids, no-grad, stopping after the hook's block)")
        {
            ModelCommand.Model, HarvestHook, Batch, Sequence, Repeats, Json,
        };
        command.SetAction(parseResult => (int)new BenchHarvestHandler(parseResult.InvocationConfiguration.Output).Run(new(new HarvestSettings(
            ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(HarvestHook), parseResult.GetValue(Batch), parseResult.GetValue(Sequence),
            parseResult.GetValue(Repeats), parseResult.GetValue(GlobalOptions.Device)), parseResult.GetValue(Json))));
        return command;
    }

    public static Command CreateGemm()
    {
        var command = new Command("gemm", "fp32 sgemm throughput: C = A·B on random N×N matrices (Tensor.Mm), best and mean GFLOP/s over timed repeats")
        {
            Size, Repeats, Json,
        };
        command.SetAction(parseResult => (int)new BenchGemmHandler(parseResult.InvocationConfiguration.Output).Run(new(new GemmSettings(
            parseResult.GetValue(Size), parseResult.GetValue(Repeats), parseResult.GetValue(GlobalOptions.Device)), parseResult.GetValue(Json))));
        return command;
    }
}
