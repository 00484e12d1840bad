// GlobalOptions — options every command accepts (--threads, --device, --verbose) and the start-up step that applies
// them to libtorch before any command runs. It leaves command-specific options to each command's factory.
using System.CommandLine;
using System.CommandLine.Parsing;
using InterpEval.Harness.Tool;
using InterpEval.Torch;

namespace InterpEval.Harness.Commands;

public static class GlobalOptions
{
    public static readonly Option<int> Threads = new("--threads")
    {
        Description = "Threads for libtorch and its BLAS; defaults to the processor count (set explicitly: OpenBLAS starts single-threaded inside .NET)",
        HelpName = "N",
        Recursive = true,
        DefaultValueFactory = _ => Environment.ProcessorCount,
        CustomParser = OptionParsers.IntInRange("--threads", Config.ResourceBudget.MaxThreads,
            $"{Environment.ProcessorCount} processors; more threads only oversubscribe them"),
    };

    public static readonly Option<Device> Device = new("--device")
    {
        Description = "Where tensors live: cpu, cuda or cuda:N (cuda needs a CUDA build of libtorch)",
        HelpName = "cpu|cuda[:N]",
        Recursive = true,
        DefaultValueFactory = _ => InterpEval.Torch.Device.Cpu,
        CustomParser = ParseDevice,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces for internal errors",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Threads, Device, Verbose];

    /// <summary>Applies the global options to the process: thread counts, then the device check.</summary>
    public static void Apply(ParseResult parseResult)
    {
        TorchRuntime.SetNumThreads(parseResult.GetValue(Threads));
        TorchRuntime.TuneAllocator();
        Device device = parseResult.GetValue(Device);
        try
        {
            device.EnsureAvailable();
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException("--device: " + e.Message, e);
        }
    }

    private static Device ParseDevice(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "cpu";
        try
        {
            return InterpEval.Torch.Device.Parse(text);
        }
        catch (FormatException e)
        {
            result.AddError("--device: " + e.Message);
            return InterpEval.Torch.Device.Cpu;
        }
    }
}
