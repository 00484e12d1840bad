// RunCommand — `interp-eval run`, the main job: config + profile → subject model → dictionaries (trained and cached, or
// loaded) → suites → gates vs baselines/<profile>.json → console table, result files, history → exit code (0 ok,
// 1 regression, 2 bad input, 70 internal error, 130 interrupted). Options are static fields; the work is RunHandler's and Runs/RunPipeline's.
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Config;
using InterpEval.Harness.Runs;

namespace InterpEval.Harness.Commands.Run;

public static class RunCommand
{
    public static readonly Option<string?> ConfigFile = new("--config") { Description = "JSON config (see docs/harness.md); every field defaults from the profile", HelpName = "FILE" };

    public static readonly Option<string?> Profile = new("--profile") { Description = "Preset: smoke (CI, ≤ 60 s), default (≤ 5 min) or full (default + sweeps)", HelpName = "P" };

    public static readonly Option<string[]> Suite = new("--suite")
    {
        Description = "Run only these suites (repeat the option); default: the profile's", HelpName = "S", AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string?> Out = new("--out") { Description = "Output directory for the result files (config: out)", HelpName = "DIR" };

    public static readonly Option<string?> Baselines = new("--baselines") { Description = "Baseline file (default baselines/<profile>.json)", HelpName = "FILE" };

    public static readonly Option<bool> UpdateBaselines = new("--update-baselines")
    {
        Description = "Rewrite the baseline file from this run (atomically, only after the whole run succeeded) instead of gating on it",
    };

    /// <summary>Runs given with a bare --calibrate.</summary>
    public const int DefaultCalibrationRuns = 5;

    public static readonly Option<int> Calibrate = new("--calibrate")
    {
        Description = $"With --update-baselines: measure the profile under N seeds (seed … seed + N − 1) and store each metric's mean and a band derived from its spread (N ≥ 2, default {DefaultCalibrationRuns}; docs/harness.md)",
        HelpName = "N", Arity = ArgumentArity.ZeroOrOne,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return DefaultCalibrationRuns;
            string text = result.Tokens[^1].Value;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) { result.AddError($"--calibrate: '{text}' is not a whole number"); return 0; }
            if (n < 2 || n > 100) result.AddError($"--calibrate must be between 2 and 100 runs (got {n}): a spread needs at least two seeds");
            return n;
        },
    };

    public static readonly Option<ulong?> Seed = new("--seed") { Description = "Seed of every random choice (config: seed)", HelpName = "N" };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override any config field: PATH=VALUE, e.g. training.steps=50 or dictionaries.topk-resid.width=128 (repeatable)",
        HelpName = "PATH=VALUE", AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<AnnotationMode> Annotations = new("--annotations")
    {
        Description = "Diagnostics on stdout after the table: msbuild (file(line): error IE0001: …), github (::error …), none, auto (github under GitHub Actions)",
        HelpName = "auto|none|msbuild|github", DefaultValueFactory = _ => AnnotationMode.Auto,
    };

    public static Command Create()
    {
        var command = new Command("run", "Train or load the configured dictionaries, run the suites, gate every metric on the baseline, write the reports (exit 1 on a regression); " +
            "under `launch --nproc N` or torchrun/Slurm variables every rank trains the dictionaries data parallel, rank 0 evaluates and writes")
        {
            ConfigFile, Profile, Suite, Out, Baselines, UpdateBaselines, Calibrate, Seed, Set, Annotations,
        };
        command.SetAction(parseResult => (int)new RunHandler(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error).Run(Options(parseResult)));
        return command;
    }

    /// <summary>The typed options: the config layers, what to do with the baseline, and the global options.</summary>
    public static RunOptions Options(ParseResult parseResult) => new(Sources(parseResult), parseResult.GetValue(UpdateBaselines),
        parseResult.GetValue(Calibrate), parseResult.GetValue(GlobalOptions.Device), parseResult.GetValue(GlobalOptions.Threads), parseResult.GetValue(Annotations),
        string.Join(" ", parseResult.Tokens.Select(t => t.Value)));

    /// <summary>The config layers the command line gives.</summary>
    public static ConfigSources Sources(ParseResult parseResult)
    {
        var options = new Dictionary<string, JsonNode?>();
        if (parseResult.GetValue(Out) is { } o) options["out"] = o;
        if (parseResult.GetValue(Baselines) is { } b) options["baselines"] = b;
        if (parseResult.GetValue(Seed) is { } s) options["seed"] = s;
        if (parseResult.GetValue(Suite) is { Length: > 0 } suites) options["suites"] = new JsonArray(suites.Select(x => (JsonNode?)x).ToArray());
        return new ConfigSources(parseResult.GetValue(ConfigFile), parseResult.GetValue(Profile), parseResult.GetValue(Set) ?? [], options);
    }
}
