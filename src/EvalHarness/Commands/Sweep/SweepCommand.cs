// SweepCommand — the `sweep` command's definition: options as static fields, comma-separated lists parsed here into
// the typed SweepOptions (a bad list is exit 2 naming the option); the work is SweepHandler's.
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Commands.Sweep;

public static class SweepCommand
{
    public static readonly Option<string?> Config = new("--config") { Description = "Config file: model, corpus, eval, training (batch, learning rate), seed; default: the default profile's", HelpName = "FILE" };
    public static readonly Option<string> Widths = new("--widths") { Description = "Latent counts, comma-separated", HelpName = "256,512,…", Required = true };
    public static readonly Option<string> Tokens = new("--tokens") { Description = "Training token budgets, comma-separated (1e5 allowed)", HelpName = "1e5,3e5,…", Required = true };
    public static readonly Option<string> Arch = new("--arch") { Description = "Architectures: topk, batchtopk, relu, jumprelu", HelpName = "topk,relu", DefaultValueFactory = _ => "topk" };
    public static readonly Option<string> K = new("--k") { Description = "k values for the topk family", HelpName = "16,32", DefaultValueFactory = _ => "16" };
    public static readonly Option<string?> L1 = new("--l1") { Description = "Sparsity coefficients for relu/jumprelu (default: the architecture's)", HelpName = "λ,…" };
    public static readonly Option<int> Seeds = new("--seeds") { Description = "Seeds per grid cell", HelpName = "N", DefaultValueFactory = _ => 1, CustomParser = OptionParsers.PositiveInt("--seeds") };
    public static readonly Option<string> Out = new("--out") { Description = "Output directory; rerunning with the same --out resumes", HelpName = "DIR", DefaultValueFactory = _ => Path.Combine("artifacts", "sweep") };
    public static readonly Option<string> Suite = new("--suite") { Description = "Suites per point, comma-separated", HelpName = "S,…", DefaultValueFactory = _ => "reconstruction,sparsity,fidelity" };
    public static readonly Option<int> Bootstrap = new("--bootstrap") { Description = "Bootstrap resamples per fit", HelpName = "N", DefaultValueFactory = _ => 1000, CustomParser = OptionParsers.PositiveInt("--bootstrap") };

    public static Command Create()
    {
        var command = new Command("sweep", "Train and evaluate a grid of widths × token budgets from one activation stream, fit scaling laws, plot them " +
                "(under `launch --nproc N` or torchrun/Slurm variables every rank trains the grid data parallel; rank 0 evaluates and writes)")
            { Config, Widths, Tokens, Arch, K, L1, Seeds, Out, Suite, Bootstrap };
        command.SetAction((parseResult, cancellation) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            IRunProgress progress = Terminal.Progress(output, parseResult.InvocationConfiguration.Error);
            var options = new SweepOptions(parseResult.GetValue(Config), List(parseResult.GetValue(Widths)!, "--widths", Int),
                List(parseResult.GetValue(Tokens)!, "--tokens", Count), Names(parseResult.GetValue(Arch)!, "--arch"),
                List(parseResult.GetValue(K)!, "--k", Int), parseResult.GetValue(L1) is { } l1 ? List(l1, "--l1", Double) : [],
                parseResult.GetValue(Seeds), parseResult.GetValue(Out)!, Names(parseResult.GetValue(Suite)!, "--suite"), parseResult.GetValue(Bootstrap),
                string.Join(" ", parseResult.Tokens.Select(t => t.Value)));
            return Task.FromResult((int)new SweepHandler(output, progress).Run(options, parseResult.GetValue(GlobalOptions.Device), cancellation));
        });
        return command;
    }

    internal static List<T> List<T>(string text, string option, Func<string, T?> parse) where T : struct
    {
        var items = new List<T>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            items.Add(parse(part) ?? throw new UsageException($"{option}: '{part}' is not a valid value"));
        if (items.Count == 0) throw new UsageException($"{option}: give at least one value");
        return items;
    }

    internal static List<string> Names(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        return items.Count > 0 ? items : throw new UsageException($"{option}: give at least one value");
    }

    private static int? Int(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
    private static double? Double(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;
    private static long? Count(string s) => Double(s) is { } d && d >= 1 && d < 1e15 && d == Math.Floor(d) ? (long)d : null;
}
