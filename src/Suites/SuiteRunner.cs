// SuiteRunner — runs a list of suites over a SubjectSet and returns every record: each suite on each single dictionary
// in order (a suite that runs once per evaluation on the first only; the transcoder set, when the dictionaries replace
// every MLP, handed to its layer-0 member), then each suite's records across the dictionaries, then each suite on each
// cross-layer transcoder that fits the model. What a suite does on each kind of subject is the suite's (ISuite); what
// happens around the runs (progress, skipped suites) goes to an ISuiteRunObserver. It loads, prints and judges nothing.
using System.Diagnostics;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

/// <summary>What a runner reports while it runs (a front end shows progress, refuses or notes skipped suites, keeps detail).</summary>
public interface ISuiteRunObserver
{
    /// <summary>One unit of work done (a suite on a dictionary, or one CLT); SuiteRunner.Steps counts them.</summary>
    void Advanced() { }

    /// <summary>suite (null: every suite) cannot measure subject, and why. Throwing here stops the run.</summary>
    void Skipped(string? suite, string subject, string why) { }

    /// <summary>suite measured subject in elapsed time, with its result.</summary>
    void Measured(string suite, string subject, SuiteResult result, TimeSpan elapsed) { }
}

public sealed class SuiteRunner(TransformerModel? model, ITokenizer? tokenizer, Corpus? corpus, SuiteOptions options)
{
    private sealed class Silent : ISuiteRunObserver;

    /// <summary>The units of work Run reports through Advanced.</summary>
    public static int Steps(SubjectSet subjects, IReadOnlyList<ISuite> suites) => suites.Count * subjects.Dictionaries.Count + subjects.Clts.Count;

    public List<MetricRecord> Run(SubjectSet subjects, IReadOnlyList<ISuite> suites, ISuiteRunObserver? observer = null,
        CancellationToken cancellation = default)
    {
        observer ??= new Silent();
        var records = new List<MetricRecord>();
        var layerSet = model is null ? null : ReplacementModel.LayerSet(subjects.Dictionaries.Select(d => d.Dictionary), model);
        for (int i = 0; i < subjects.Dictionaries.Count; i++)
        {
            var (subject, dictionary) = subjects.Dictionaries[i];
            var input = new SuiteInput(subject, dictionary, model, tokenizer, corpus, options)
            {
                LayerTranscoders = layerSet is not null && ReferenceEquals(layerSet[0], dictionary) ? layerSet : null,
            };
            foreach (var suite in suites)
            {
                observer.Advanced();
                if (suite.OncePerEvaluation && i > 0) continue;
                if (suite.CannotRun(input) is { } why)
                {
                    observer.Skipped(suite.Name, subject, why);
                    continue;
                }
                var clock = Stopwatch.StartNew();
                var result = suite.Evaluate(input, cancellation);
                records.AddRange(result.Records);
                observer.Measured(suite.Name, subject, result, clock.Elapsed);
            }
        }
        foreach (var suite in suites) records.AddRange(suite.RunAcross(subjects.Dictionaries, cancellation));
        foreach (var (subject, clt) in subjects.Clts)
        {
            records.AddRange(RunClt(CltInput(subject, clt), suites, observer, cancellation));
            observer.Advanced();
        }
        return records;
    }

    private static IEnumerable<MetricRecord> RunClt(CltSuiteInput input, IReadOnlyList<ISuite> suites, ISuiteRunObserver observer, CancellationToken cancellation)
    {
        if (input.Problem is { } why)
        {
            observer.Skipped(null, input.Subject, why);
            return [];
        }
        var records = new List<MetricRecord>();
        foreach (var suite in suites)
        {
            var clock = Stopwatch.StartNew();
            if (suite.RunClt(input, cancellation) is not { } measured) continue;
            records.AddRange(measured);
            observer.Measured(suite.Name, input.Subject, new SuiteResult(measured), clock.Elapsed);
        }
        return records;
    }

    private CltSuiteInput CltInput(string subject, Interp.Dictionaries.CrossLayerTranscoder clt) =>
        model is null || tokenizer is null || corpus is null
            ? throw new InvalidOperationException($"{subject}: a cross-layer transcoder is measured on the subject model, its tokenizer and the corpus")
            : new(subject, clt, model, tokenizer, corpus, options);
}
