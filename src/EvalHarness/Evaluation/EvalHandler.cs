// EvalHandler — `interp-eval eval`: loads the subject model (default: embedded), its tokenizer and the corpus, loads each
// dictionary, runs the chosen suites (default: every suite that can run), then writes results.json and results.csv
// (the harness's exporters, no baseline) and each dictionary's sparsity.safetensors under --out, and prints the table.
// Judging against baselines is `run`'s job; this command only measures.
using System.CommandLine;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Exporters;
using InterpEval.Harness.Runs;
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Suites;
using InterpEval.Torch;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Harness.Evaluation;

public sealed class EvalHandler
{
    public ExitCode Run(ParseResult parseResult, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        var suites = ChosenSuites(parseResult.GetValue(EvalCommand.Suite) ?? [], out bool explicitSuites);
        Device device = parseResult.GetValue(GlobalOptions.Device);
        string modelDir = ModelCommand.ModelDirectory(parseResult);
        using var model = TransformerModel.Load(modelDir, device);
        var tokenizer = ByteLevelBpeTokenizer.Load(modelDir);
        var corpus = Corpus.Load(parseResult.GetValue(EvalCommand.Corpus) ?? EmbeddedAssets.CorpusPath);
        var (dictionaries, clts) = LoadDictionaries(parseResult.GetValue(EvalCommand.Dict) ?? [], device);
        try
        {
            var options = new SuiteOptions(Tokens: parseResult.GetValue(EvalCommand.Tokens), ContextLength: Math.Min(128, model.Config.NCtx));
            string outDir = parseResult.GetValue(EvalCommand.Out)!;
            var output = parseResult.InvocationConfiguration.Output;
            IRunProgress progress = Terminal.IsTerminal(output) ? new SpectreProgress(Terminal.For(output)) : new PlainProgress(parseResult.InvocationConfiguration.Error);
            var evaluation = new Evaluation(model, tokenizer, corpus, options, dictionaries, clts, outDir, progress);
            var records = progress.Scope(() => evaluation.RunAll(suites, explicitSuites, cancellation));
            var run = RunResult.RecordsOnly(Info(parseResult, started, device), records);
            var written = ExporterSet.WriteAll(run, outDir, ExporterSet.Select(["json", "csv"]), cancellation);
            new ConsoleTableExporter().Write(run, Terminal.For(output, 140));
            foreach (string path in written.Concat(evaluation.Written)) output.WriteLine($"wrote {path}");
            return ExitCode.Ok;
        }
        finally
        {
            foreach (var (_, d) in dictionaries) d.Dispose();
            foreach (var (_, c) in clts) c.Dispose();
        }
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

    /// <summary>Each --dict directory loaded, with its subject id (the directory's name, made unique); cross-layer
    /// transcoders (CltFormat) apart from single dictionaries.</summary>
    private static (List<(string Subject, SparseDictionary Dictionary)>, List<(string Subject, CrossLayerTranscoder Clt)>) LoadDictionaries(
        string[] dirs, Device device)
    {
        var loaded = new List<(string, SparseDictionary)>();
        var clts = new List<(string, CrossLayerTranscoder)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (string dir in dirs)
            {
                if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: dictionary directory does not exist (--dict)");
                string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
                string subject = name;
                for (int i = 2; !used.Add(subject); i++) subject = $"{name}-{i}";
                if (CltFormat.IsCltDirectory(dir)) clts.Add((subject, CltFormat.Load(dir, device)));
                else loaded.Add((subject, SparseDictionary.Load(dir, device)));
            }
            return (loaded, clts);
        }
        catch
        {
            foreach (var (_, d) in loaded) d.Dispose();
            foreach (var (_, c) in clts) c.Dispose();
            throw;
        }
    }

    private static RunInfo Info(ParseResult parseResult, DateTimeOffset started, Device device) => new(
        $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}", VersionAction.ToolVersion, GitCommit.Current(), MachineInfo.Current(),
        "eval", started, (DateTimeOffset.UtcNow - started).TotalSeconds, new SuiteOptions().Seed, device.ToString(),
        parseResult.GetValue(GlobalOptions.Threads));

    /// <summary>One eval: the suites over every dictionary, plus what spans dictionaries (the full replacement model,
    /// feature splitting across widths); reports progress, skipped suites and each suite's time, and keeps the extra files written.</summary>
    private sealed class Evaluation(TransformerModel model, ByteLevelBpeTokenizer tokenizer, Corpus corpus, SuiteOptions options,
        List<(string Subject, SparseDictionary Dictionary)> dictionaries, List<(string Subject, CrossLayerTranscoder Clt)> clts,
        string outDir, IRunProgress progress)
    {
        public List<string> Written { get; } = [];

        public List<MetricRecord> RunAll(IReadOnlyList<ISuite> suites, bool explicitSuites, CancellationToken cancellation)
        {
            var replacement = ReplacementSet();
            var records = new List<MetricRecord>();
            var task = progress.Start($"suites: {string.Join(", ", suites.Select(s => s.Name))} on {dictionaries.Count} dictionaries", suites.Count * dictionaries.Count);
            for (int i = 0; i < dictionaries.Count; i++)
            {
                var (subject, dictionary) = dictionaries[i];
                var input = new SuiteInput(subject, dictionary, model, tokenizer, corpus, options)
                {
                    LayerTranscoders = replacement is not null && ReferenceEquals(replacement[0], dictionary) ? replacement : null,
                };
                foreach (var suite in suites)
                {
                    // ground-truth measures the training recipe, not the dictionary: once per eval.
                    task.Increment();
                    if (suite is GroundTruthSuite && i > 0) continue;
                    if (suite.CannotRun(input) is { } why)
                    {
                        if (explicitSuites) throw new UsageException($"--suite {suite.Name}: cannot run on {subject}: {why}");
                        progress.Note($"skipped {suite.Name} on {subject}: {why}");
                        continue;
                    }
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    records.AddRange(Run(suite, input, cancellation));
                    progress.Note(FormattableString.Invariant($"{suite.Name} on {subject}: {clock.Elapsed.TotalSeconds:F1} s"));
                }
            }
            if (suites.Any(s => s is NeighboursSuite)) records.AddRange(Splitting(cancellation));
            foreach (var (subject, clt) in clts) records.AddRange(RunClt(subject, clt, suites, explicitSuites, cancellation));
            task.Complete();
            return records;
        }

        /// <summary>A cross-layer transcoder's reconstruction, sparsity and replacement-model records (CltEvaluation),
        /// kept to the chosen suites; ground-truth and neighbours do not apply to it.</summary>
        private IEnumerable<MetricRecord> RunClt(string subject, CrossLayerTranscoder clt, IReadOnlyList<ISuite> suites, bool explicitSuites,
            CancellationToken cancellation)
        {
            var wanted = suites.Select(s => s.Name).Where(n => n is ReconstructionSuite.SuiteName or SparsitySuite.SuiteName or FidelitySuite.SuiteName).ToHashSet();
            if (wanted.Count == 0) return [];
            if (CltEvaluation.Problem(clt, model) is { } why)
            {
                if (explicitSuites) throw new UsageException($"--dict: cannot evaluate the cross-layer transcoder {subject}: {why}");
                progress.Note($"skipped {subject}: {why}");
                return [];
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var records = CltEvaluation.Run(subject, clt, model, tokenizer, corpus, options, cancellation).Where(r => wanted.Contains(r.Suite)).ToList();
            progress.Note(FormattableString.Invariant($"clt metrics on {subject}: {clock.Elapsed.TotalSeconds:F1} s"));
            return records;
        }

        private IReadOnlyList<MetricRecord> Run(ISuite suite, SuiteInput input, CancellationToken cancellation)
        {
            if (suite is not SparsitySuite) return suite.Run(input, cancellation);
            var result = SparsitySuite.Measure(input, cancellation);
            WriteSparsity(input.Subject, result);
            return result.Records;
        }

        /// <summary>SAELens's sparsity.safetensors ("sparsity": log10(density + 1e-10) [F]) under out/SUBJECT/.</summary>
        private void WriteSparsity(string subject, SparsityResult result)
        {
            string dir = Path.Combine(outDir, subject);
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "sparsity.safetensors");
            using var scope = DisposeScope.Enter();
            var logDensity = Tensor.From(result.LogDensities, result.LogDensities.Length).To(ScalarType.Float32);
            SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["sparsity"] = logDensity });
            Written.Add(path);
        }

        /// <summary>The loaded transcoders in layer order when they replace every MLP of the model; null otherwise.</summary>
        private IReadOnlyList<SparseDictionary>? ReplacementSet()
        {
            var byLayer = new List<SparseDictionary>();
            for (int l = 0; l < model.Config.NLayers; l++)
            {
                var match = dictionaries.Select(d => d.Dictionary).FirstOrDefault(d => d.Kind.IsTranscoder()
                    && d.Config.HookName == HookNames.Ln2Normalized(l) && d.Config.HookNameOut == HookNames.MlpOut(l));
                if (match is null) return null;
                byLayer.Add(match);
            }
            return ReplacementModel.Problem(byLayer, model) is null ? byLayer : null;
        }

        /// <summary>For every pair on one hook with different widths: which smaller latent each larger one descends from.</summary>
        private IEnumerable<MetricRecord> Splitting(CancellationToken cancellation)
        {
            foreach (var small in dictionaries)
                foreach (var large in dictionaries)
                {
                    if (small.Dictionary.DSae >= large.Dictionary.DSae || small.Dictionary.Config.HookName != large.Dictionary.Config.HookName
                        || small.Dictionary.DOut != large.Dictionary.DOut) continue;
                    var parents = NeighboursSuite.Parents(small.Dictionary, large.Dictionary, cancellation);
                    foreach (var r in NeighboursSuite.SplittingRecords($"{small.Subject}->{large.Subject}", parents, small.Dictionary.DSae))
                        yield return r;
                }
        }
    }
}
