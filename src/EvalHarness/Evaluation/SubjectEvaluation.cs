// SubjectEvaluation — the suites over a set of loaded subjects, shared by `eval` and `run`: SuiteRunner measures (every
// suite on every subject, each suite deciding what it does on which kind of subject); this class shows its progress,
// turns a suite that cannot run into a usage error (suites named explicitly) or a note, and hands sparsity's per-latent
// densities to the caller. It loads, writes and prints nothing itself.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Suites;

namespace InterpEval.Harness.Evaluation;

/// <param name="strict">A suite that cannot run on a subject is a usage error (suites named explicitly) rather than a note.</param>
/// <param name="onSparsity">Called with each dictionary's sparsity result (the per-latent densities), or null.</param>
public sealed class SubjectEvaluation(TransformerModel model, ITokenizer tokenizer, Corpus corpus, SuiteOptions options,
    IReadOnlyList<(string Subject, SparseDictionary Dictionary)> dictionaries, IReadOnlyList<(string Subject, CrossLayerTranscoder Clt)> clts,
    IRunProgress progress, bool strict = false, Action<string, SparsityResult>? onSparsity = null)
{
    public List<MetricRecord> RunAll(IReadOnlyList<ISuite> suites, CancellationToken cancellation)
    {
        var subjects = new SubjectSet(dictionaries, clts);                                   // not disposed here: the caller owns them
        var task = progress.Start($"suites: {string.Join(", ", suites.Select(s => s.Name))} on {subjects.Count} subjects", SuiteRunner.Steps(subjects, suites));
        var records = new SuiteRunner(model, tokenizer, corpus, options).Run(subjects, suites, new Observer(task, progress, strict, onSparsity), cancellation);
        task.Complete();
        return records;
    }

    private sealed class Observer(IProgressTask task, IRunProgress progress, bool strict, Action<string, SparsityResult>? onSparsity) : ISuiteRunObserver
    {
        public void Advanced() => task.Increment();

        public void Skipped(string? suite, string subject, string why)
        {
            if (strict) throw new UsageException(suite is null ? $"--dict: cannot evaluate {subject}: {why}" : $"--suite {suite}: cannot run on {subject}: {why}");
            progress.Note(suite is null ? $"skipped {subject}: {why}" : $"skipped {suite} on {subject}: {why}");
        }

        public void Measured(string suite, string subject, SuiteResult result, TimeSpan elapsed)
        {
            if (result is SparsityResult sparsity) onSparsity?.Invoke(subject, sparsity);
            progress.Note(FormattableString.Invariant($"{suite} on {subject}: {elapsed.TotalSeconds:F1} s"));
        }
    }
}
