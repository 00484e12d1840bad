// The probes suite end to end on the embedded model with a small random dictionary: every record present and in range,
// and the raw-activation probes (the model's own representation) separate the generated domains well.
namespace InterpEval.Suites.Tests.Probes;

public class ProbesSuiteTests
{
    [Test]
    public void SuiteReportsPerConceptAndSummaryRecords()
    {
        using var dictionary = EmbeddedSubject.Dictionary(latents: 64, architecture: "topk");
        var suite = new ProbesSuite(new ProbesOptions(Ks: [1, 5], MaxPerClass: 256));
        var records = suite.Run(EmbeddedSubject.Input(dictionary, tokens: 16384)).ToDictionary(r => r.Name);
        Assert.That(records["concepts"].Value, Is.GreaterThanOrEqualTo(3));
        foreach (var name in new[] { "coverage", "mean_f1", "mean_auroc", "mean_probe_acc_k1", "mean_probe_acc_k5", "mean_purity" })
            Assert.That(records[name].Value, Is.InRange(0, 1), name);
        var perConcept = records.Keys.Where(k => k.StartsWith("f1/", StringComparison.Ordinal)).Select(k => k[3..]).ToList();
        Assert.That(perConcept, Has.Count.EqualTo((int)records["concepts"].Value));
        foreach (var c in perConcept)
            foreach (var prefix in new[] { "auroc/", "probe_acc_k1/", "raw_probe_acc_k5/", "best_latent/" })
                Assert.That(records.ContainsKey(prefix + c), prefix + c);
        double rawMean = perConcept.Average(c => records["raw_probe_acc_k5/" + c].Value);
        Assert.That(rawMean, Is.GreaterThan(0.75), "five raw dimensions of a trained model separate its corpus's concepts");
    }
}
