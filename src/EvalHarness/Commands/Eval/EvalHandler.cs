// EvalHandler — `interp-eval eval`: loads the subject model (default: embedded), its tokenizer and the corpus, loads each
// dictionary, runs the chosen suites (default: every suite that can run), then writes results.json and results.csv
// (the harness's exporters, no baseline) and each dictionary's sparsity.safetensors under --out, and prints the table.
// Loading is SubjectSet.Load's and the measuring SubjectEvaluation's, both shared with `run`.
// Judging against baselines is `run`'s job; this command only measures.
using InterpEval.Harness.Config;
using InterpEval.Harness.Evaluation;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Results;
using InterpEval.Harness.Runs;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Suites;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Commands.Eval;

/// <param name="Dicts">Dictionary directories (SAEs, transcoders, cross-layer transcoders).</param>
/// <param name="Model">The subject model's directory.</param>
/// <param name="Corpus">The labelled corpus, or null for the embedded one.</param>
/// <param name="Suites">Suites to run; empty: every suite that can run.</param>
/// <param name="Tokens">Evaluation tokens per suite.</param>
/// <param name="Out">Directory for the result files.</param>
/// <param name="Device">Where tensors live.</param>
/// <param name="Threads">libtorch threads (recorded).</param>
public sealed record EvalOptions(string[] Dicts, string Model, string? Corpus, string[] Suites, int Tokens, string Out,
    Device Device, int Threads);

public sealed class EvalHandler(TextWriter output, TextWriter error)
{
    public ExitCode Run(EvalOptions o, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        var suites = ChosenSuites(o.Suites, out bool explicitSuites);
        Device device = o.Device;
        string modelDir = o.Model;
        using var model = TransformerModel.Load(modelDir, device);
        var tokenizer = TokenizerLoader.Load(modelDir);
        var corpus = Corpus.Load(o.Corpus ?? EmbeddedAssets.CorpusPath);
        using var subjects = LoadSubjects(o.Dicts, device, model);
        using OutputLock outputLock = OutputLock.Acquire(o.Out);   // one run per --out folder
        var defaults = Profiles.DefaultPreset.Eval;                                         // window and batch as run's default profile
        var options = new SuiteOptions(o.Tokens, Math.Min(defaults.ContextLength, model.Config.NCtx), defaults.SequencesPerBatch, Profiles.DefaultPreset.Seed);
        string outDir = o.Out;
        IRunProgress progress = Terminal.Progress(output, error);
        var sparsityFiles = new List<string>();
        var evaluation = new SubjectEvaluation(model, tokenizer, corpus, options, subjects.Dictionaries, subjects.Clts, progress, strict: explicitSuites,
            onSparsity: (subject, result) => sparsityFiles.Add(WriteSparsity(outDir, subject, result)));
        var records = progress.Scope(() => evaluation.RunAll(suites, cancellation));
        var run = RunResult.RecordsOnly(Info(o.Threads, started, device, options.Seed), records);
        var written = ExporterSet.WriteAll(run, outDir, ExporterSet.Select(["json", "csv"]), cancellation);
        new ConsoleTableExporter().Write(run, Terminal.For(output, 140));
        foreach (string path in written.Concat(sparsityFiles)) output.WriteLine($"wrote {path}");
        return ExitCode.Ok;
    }

    /// <summary>The named suites (unknown names are usage errors), or every registered suite.</summary>
    private static IReadOnlyList<ISuite> ChosenSuites(string[] names, out bool explicitSuites)
    {
        explicitSuites = names.Length > 0;
        if (!explicitSuites) return SuiteRegistry.All;
        var chosen = new List<ISuite>();
        foreach (string name in names.Distinct(StringComparer.Ordinal))
        {
            if (!SuiteRegistry.TryGet(name, out var suite))
                throw new UsageException($"--suite: unknown suite '{name}' — expected one of {string.Join(", ", SuiteRegistry.Names)}");
            chosen.Add(suite);
        }
        return chosen;
    }

    /// <summary>Each --dict directory loaded (SubjectSet.Load), with its subject id (the directory's name, made unique).</summary>
    private static SubjectSet LoadSubjects(string[] dirs, Device device, TransformerModel model)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<(string, string)>();
        foreach (string dir in dirs)
        {
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: dictionary directory does not exist (--dict)");
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            string subject = name;
            for (int i = 2; !used.Add(subject); i++) subject = $"{name}-{i}";
            entries.Add((subject, dir));
        }
        return SubjectSet.Load(entries, device, (d, dir) => CheckFits(d, dir, model));
    }

    /// <summary>Refuses, before any progress line, a dictionary that reads a hook the model lacks or has the wrong width for it.</summary>
    private static void CheckFits(SparseDictionary d, string dir, TransformerModel model)
    {
        string cfg = Path.Combine(dir, DictionaryFormat.ConfigFile);
        foreach ((string? hook, int width, string field) in new[] { ((string?)d.Config.HookName, d.DIn, "d_in"), (d.Config.HookNameOut, d.DOut, "d_out") })
        {
            if (hook is null || (field == "d_out" && hook == d.Config.HookName)) continue;
            if (!model.HookPoints.Contains(hook))
                throw new InvalidDataException($"{cfg}: hook '{hook}' is not a hook point of the model — see `interp-eval model info`");
            if (IsResidualWide(hook) && width != model.Config.DModel)
                throw new InvalidDataException($"{cfg}: {field} is {width} but the model's {hook} is {model.Config.DModel} wide");
        }
    }

    /// <summary>Hooks whose width is d_model (the residual stream, MLP and attention outputs, normalised inputs).</summary>
    private static bool IsResidualWide(string hook) =>
        new[] { "hook_resid_pre", "hook_resid_mid", "hook_resid_post", "hook_mlp_out", "hook_attn_out", "hook_normalized" }.Any(s => hook.EndsWith(s, StringComparison.Ordinal));

    private static RunInfo Info(int threads, DateTimeOffset started, Device device, ulong seed) => new(
        RunInfo.NewId(started), VersionAction.ToolVersion, GitCommit.Current(), MachineInfo.Current(),
        "eval", started, (DateTimeOffset.UtcNow - started).TotalSeconds, seed, device.ToString(),
        threads);

    /// <summary>SAELens's sparsity.safetensors ("sparsity": log10(density + 1e-10) [F]) under out/SUBJECT/; returns the path.</summary>
    private static string WriteSparsity(string outDir, string subject, SparsityResult result)
    {
        string dir = Path.Combine(outDir, subject);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "sparsity.safetensors");
        using var scope = DisposeScope.Enter();
        var logDensity = Tensor.From(result.LogDensities, result.LogDensities.Length).To(ScalarType.Float32);
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["sparsity"] = logDensity });
        return path;
    }
}
