// SuiteRunnerTests — the runner over a set of subjects on the tiny model: which suite runs on which subject and in what
// order (once-per-evaluation suites on the first dictionary only, records across dictionaries after the single ones,
// CLTs last and only with suites that apply to them), the transcoder set handed to its layer-0 member only, skipped
// suites and misfit CLTs reported instead of run; the real suites on a CLT give exactly CltEvaluation's records; and
// SubjectSet.Load reads both kinds of directory and disposes what it loaded when a check fails.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Tests;

public class SuiteRunnerTests
{
    private const string Resid = "blocks.0.hook_resid_post";

    /// <summary>A suite that records one value per subject it measures (1, or 2 when it was handed a transcoder set).</summary>
    private sealed class Probe(string name, bool once = false, string? refuse = null, bool across = false, bool clt = false) : ISuite
    {
        public string Name => name;
        public string Description => "test probe";
        public bool OncePerEvaluation => once;
        public string? CannotRun(SuiteInput input) => input.Subject == refuse ? "refused" : null;

        public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default) =>
            [new(name, input.Subject, "seen", input.LayerTranscoders is null ? 1 : 2, "count", MetricDirection.None)];

        public IEnumerable<MetricRecord> RunAcross(IReadOnlyList<(string Subject, SparseDictionary Dictionary)> dictionaries, CancellationToken cancellation = default) =>
            across ? [new(name, string.Join("+", dictionaries.Select(d => d.Subject)), "across", dictionaries.Count, "count", MetricDirection.None)] : [];

        public IReadOnlyList<MetricRecord>? RunClt(CltSuiteInput input, CancellationToken cancellation = default) =>
            clt ? [new(name, input.Subject, "clt", input.Clt.NLayers, "layers", MetricDirection.None)] : null;
    }

    private sealed class Log : ISuiteRunObserver
    {
        public int Steps;
        public readonly List<string> Events = [];
        public void Advanced() => Steps++;
        public void Skipped(string? suite, string subject, string why) => Events.Add($"skipped {suite ?? "*"} {subject}: {why}");
        public void Measured(string suite, string subject, SuiteResult result, TimeSpan elapsed) => Events.Add($"{suite} {subject} {result.GetType().Name}");
    }

    private static CrossLayerTranscoder Clt(int layers, ulong seed) => CrossLayerTranscoder.Create(
        new CltConfig { Activation = CltActivation.Relu, NLayers = layers, DModel = TinySubject.DModel, DSae = 8 }, seed, Device.Cpu);

    [Test]
    public void EverySuiteRunsOnEverySubjectAsItSays()
    {
        using var tiny = new TinySubject();
        using var subjects = new SubjectSet(
        [
            ("sae", TinySubject.Random(Resid, 8, 1)),
            ("plt-l0", TinySubject.Random(HookNames.Ln2Normalized(0), 8, 2, HookNames.MlpOut(0))),
            ("plt-l1", TinySubject.Random(HookNames.Ln2Normalized(1), 8, 3, HookNames.MlpOut(1))),
        ], [("clt", Clt(TinySubject.Layers, 4)), ("misfit", Clt(TinySubject.Layers + 1, 5))]);
        ISuite[] suites = [new Probe("each", refuse: "plt-l1"), new Probe("once", once: true), new Probe("across", across: true), new Probe("clt", clt: true)];
        var log = new Log();

        var records = new SuiteRunner(tiny.Model, tiny.Tokenizer, tiny.Corpus, tiny.Input(subjects.Dictionaries[0].Dictionary).Options)
            .Run(subjects, suites, log);

        Assert.That(records.Select(r => $"{r.Suite}/{r.Subject}/{r.Name}={r.Value}"), Is.EqualTo(new[]
        {
            "each/sae/seen=1", "once/sae/seen=1", "across/sae/seen=1", "clt/sae/seen=1",
            "each/plt-l0/seen=2", "across/plt-l0/seen=2", "clt/plt-l0/seen=2",
            "across/plt-l1/seen=1", "clt/plt-l1/seen=1",
            "across/sae+plt-l0+plt-l1/across=3",
            "clt/clt/clt=2",
        }));
        Assert.That(log.Events, Does.Contain("skipped each plt-l1: refused"));
        Assert.That(log.Events, Has.One.StartsWith("skipped * misfit: the CLT has 3 layers"));
        Assert.That(log.Events, Does.Contain("clt clt SuiteResult"));
        Assert.That(log.Steps, Is.EqualTo(SuiteRunner.Steps(subjects, suites)).And.EqualTo(4 * 3 + 2));
    }

    [Test]
    public void SparsityHandsItsDensitiesAndNeighboursMatchesAcrossWidths()
    {
        using var tiny = new TinySubject();
        using var subjects = new SubjectSet([("small", TinySubject.Random(Resid, 8, 1)), ("large", TinySubject.Random(Resid, 16, 2))], []);
        var log = new Log();
        var records = new SuiteRunner(tiny.Model, tiny.Tokenizer, tiny.Corpus, tiny.Input(subjects.Dictionaries[0].Dictionary).Options)
            .Run(subjects, [SuiteRegistry.Get("sparsity"), SuiteRegistry.Get("neighbours")], log);
        Assert.That(log.Events, Does.Contain("sparsity small SparsityResult").And.Contain("sparsity large SparsityResult"));
        Assert.That(records.Where(r => r.Subject == "small->large").Select(r => r.Suite).Distinct(), Is.EqualTo(new[] { "neighbours" }));
        Assert.That(records.Any(r => r.Subject == "large->small"), Is.False, "splitting runs from the smaller to the larger width only");
    }

    [Test]
    public void TheSuitesOnACltGiveExactlyCltEvaluationsRecords()
    {
        using var tiny = new TinySubject();
        using var subjects = new SubjectSet([], [("clt", Clt(TinySubject.Layers, 6))]);
        using var zero = TinySubject.Zero(Resid);
        var options = tiny.Input(zero).Options;
        var records = new SuiteRunner(tiny.Model, tiny.Tokenizer, tiny.Corpus, options)
            .Run(subjects, [SuiteRegistry.Get("reconstruction"), SuiteRegistry.Get("sparsity"), SuiteRegistry.Get("fidelity"), SuiteRegistry.Get("probes")]);
        var expected = CltEvaluation.Run("clt", subjects.Clts[0].Clt, tiny.Model, tiny.Tokenizer, tiny.Corpus, options);
        Assert.That(records, Has.Count.GreaterThan(10));
        Assert.That(records, Is.EqualTo(expected), "same records, same values, same order");
    }

    [Test]
    public void SubjectSetLoadsBothKindsAndDisposesWhenACheckFails()
    {
        string root = Path.Combine(Path.GetTempPath(), "ie-subjects-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var d = TinySubject.Random(Resid, 8, 1)) d.Save(Path.Combine(root, "sae"));
            using (var c = Clt(TinySubject.Layers, 2)) c.Save(Path.Combine(root, "clt"));
            using (var set = SubjectSet.Load([("a", Path.Combine(root, "sae")), ("b", Path.Combine(root, "clt"))], Device.Cpu))
            {
                Assert.That(set.Dictionaries.Select(d => (d.Subject, d.Dictionary.DSae)), Is.EqualTo(new[] { ("a", 8) }));
                Assert.That(set.Clts.Select(c => (c.Subject, c.Clt.NLayers)), Is.EqualTo(new[] { ("b", TinySubject.Layers) }));
            }
            var seen = new List<SparseDictionary>();
            Assert.That(() => SubjectSet.Load([("a", Path.Combine(root, "sae")), ("b", Path.Combine(root, "sae"))], Device.Cpu, (d, dir) =>
            {
                seen.Add(d);
                if (seen.Count == 2) throw new InvalidDataException($"{dir}: does not fit");
            }), Throws.TypeOf<InvalidDataException>().With.Message.EndsWith("does not fit"));
            Assert.That(() => seen[0].WEnc.Sum().ToDouble(), Throws.Exception, "the first dictionary was disposed");
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
