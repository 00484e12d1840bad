// `attribute`, `graph prune|score|view` and `intervene` as a user runs them, on the embedded model with small random
// dictionaries (a topk CLT, a topk transcoder per layer, and an sae that is not a transcoder): summaries agree with the
// files, a full graph re-prunes to the pruned one, --direct moves de-meaned logits by the graph's edge weights, bad input
// is exit 2 with one line, and the viewer renders one element per node of the real Gemma-3-1B graph in headless Chromium.
using System.Text.Json.Nodes;
using InterpEval.Harness.Tests.Interpret;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Harness.Tests.Circuits;

[NonParallelizable]
public class CircuitCommandTests
{
    private const string Prompt = "ACGTTGCA 12+7=";
    private static string _root = null!;
    private static string Clt => Path.Combine(_root, "clt");
    private static string Sae => Path.Combine(_root, "sae");
    private static string Plt(int l) => Path.Combine(_root, $"plt{l}");
    private static string[] PltArgs => Enumerable.Range(0, 4).SelectMany(l => new[] { "--dict", Plt(l) }).ToArray();
    private static string File_(string name) => Path.Combine(_root, name);
    public static string GemmaGraph => Path.Combine(TestContext.CurrentContext.TestDirectory, "Circuits", "Reference", "circuit-tracer-graph-gemma-3-1b.json");

    [OneTimeSetUp]
    public static void MakeDictionaries()
    {
        _root = Path.Combine(Path.GetTempPath(), "ie-circuits-" + Guid.NewGuid().ToString("N")[..8]);
        using (var clt = CrossLayerTranscoder.Create(new CltConfig { Activation = CltActivation.TopK, NLayers = 4, DModel = 128, DSae = 32, K = 4 }, 3, Torch.Device.Cpu))
            clt.Save(Clt);
        for (int l = 0; l < 4; l++)
        {
            var config = new DictionaryConfig
            {
                Architecture = "topk", Kind = DictionaryKind.Transcoder, DIn = 128, DOut = 128, DSae = 32, K = 4,
                HookName = HookNames.Ln2Normalized(l), HookNameOut = HookNames.MlpOut(l), HookLayer = l,
            };
            using var t = DictionaryRegistry.Create(config, (ulong)(7 + l), device: InterpEval.Torch.Device.Cpu);
            t.Save(Plt(l));
        }
        using var sae = DictionaryRegistry.Create(new DictionaryConfig { Architecture = "topk", DIn = 128, DSae = 32, K = 4, HookName = "blocks.1.hook_resid_post", HookLayer = 1 }, 5, device: InterpEval.Torch.Device.Cpu);
        sae.Save(Sae);
    }

    [OneTimeTearDown]
    public static void Remove() => Directory.Delete(_root, recursive: true);

    [Test]
    public void AttributeWritesGraphsWhoseScoresMatchTheSummaryAndTheFullGraphRePrunesToThePrunedOne()
    {
        var r = CliRunner.Run("attribute", "--dict", Clt, "--prompt", Prompt, "--out", File_("g.json"), "--full-out", File_("full.json"), "--json", "--batch-size", "16");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var summary = JsonNode.Parse(r.Stdout)!;
        Assert.That((int)summary["active_features"]!, Is.EqualTo(4 * 4 * summary["prompt_tokens"]!.AsArray().Count), "topk-4 at 4 layers, every token");
        Assert.That((int)summary["backward_passes"]!, Is.EqualTo(((int)summary["active_features"]! + 15) / 16 + 1));
        var after = summary["after_pruning"]!;
        var score = CliRunner.Run("graph", "score", "--in", File_("g.json"), "--json");
        Assert.That(score.ExitCode, Is.EqualTo(0), score.ToString());
        var s = JsonNode.Parse(score.Stdout)!;
        Assert.That((double)s["replacement_score"]!, Is.EqualTo((double)after["replacement_score"]!).Within(1e-5));
        Assert.That((double)s["completeness_score"]!, Is.EqualTo((double)after["completeness_score"]!).Within(1e-5));
        Assert.That(((int)s["nodes"]!, (long)s["edges"]!), Is.EqualTo(((int)after["nodes"]!, (long)after["edges"]!)));
        var before = JsonNode.Parse(CliRunner.Run("graph", "score", "--in", File_("full.json"), "--json").Stdout)!;
        Assert.That((double)before["replacement_score"]!, Is.EqualTo((double)summary["before_pruning"]!["replacement_score"]!).Within(1e-5));
        Assert.That((int)before["nodes"]!, Is.GreaterThan((int)after["nodes"]!));

        var prune = CliRunner.Run("graph", "prune", "--in", File_("full.json"), "--node-threshold", "0.8", "--edge-threshold", "0.98", "--out", File_("re.json"));
        Assert.That(prune.ExitCode, Is.EqualTo(0), prune.ToString());
        var a = JsonNode.Parse(File.ReadAllText(File_("g.json")))!;
        var b = JsonNode.Parse(File.ReadAllText(File_("re.json")))!;
        Assert.That(b["nodes"]!.AsArray().Select(n => (string)n!["node_id"]!), Is.EqualTo(a["nodes"]!.AsArray().Select(n => (string)n!["node_id"]!)));
        Assert.That(b["links"]!.ToJsonString(), Is.EqualTo(a["links"]!.ToJsonString()));
        // Tighter thresholds keep fewer nodes (the knobs are live).
        CliRunner.Run("graph", "prune", "--in", File_("full.json"), "--node-threshold", "0.5", "--edge-threshold", "0.9", "--out", File_("tight.json"));
        Assert.That(JsonNode.Parse(File.ReadAllText(File_("tight.json")))!["nodes"]!.AsArray().Count, Is.LessThan(a["nodes"]!.AsArray().Count));
    }

    [Test]
    public void AttributeAcceptsOneTranscoderPerLayerAndMaxFeatureNodes()
    {
        var r = CliRunner.Run(["attribute", .. PltArgs, "--prompt", Prompt, "--max-feature-nodes", "20", "--max-logits", "3", "--json"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var summary = JsonNode.Parse(r.Stdout)!;
        Assert.That((string)summary["dictionaries"]!, Is.EqualTo("plt"));
        Assert.That((int)summary["visited_features"]!, Is.EqualTo(20));
        Assert.That(summary["logits"]!.AsArray().Count, Is.InRange(1, 3));
    }

    [Test]
    public void DirectInterventionMovesDeMeanedLogitsByTheEdgeWeights()
    {
        var r = CliRunner.Run("attribute", "--dict", Clt, "--prompt", Prompt, "--full-out", File_("direct.json"), "--max-logits", "2", "--logit-prob", "1");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var graph = JsonNode.Parse(File.ReadAllText(File_("direct.json")))!;
        var logit = graph["nodes"]!.AsArray().First(n => (string)n!["feature_type"]! == "logit")!;
        var edges = graph["links"]!.AsArray().Where(l => (string)l!["target"]! == (string)logit["node_id"]!)
            .Select(l => l!).Where(l => !((string)l["source"]!).StartsWith("E_") && !((string)l["source"]!).Contains("_-1_")).ToArray();
        var strongest = edges.MaxBy(l => Math.Abs((double)l["weight"]!))!;
        string source = (string)strongest["source"]!;
        long token = (long)logit["feature"]!;
        var i = CliRunner.Run("intervene", "--dict", Clt, "--prompt", Prompt, "--ablate", source, "--direct", "--watch", token.ToString(), "--json");
        Assert.That(i.ExitCode, Is.EqualTo(0), i.ToString());
        var row = JsonNode.Parse(i.Stdout)!["logits"]![0]!;
        Assert.That((long)row["token_id"]!, Is.EqualTo(token));
        double moved = (double)row["after_demeaned"]! - (double)row["before_demeaned"]!;
        Assert.That(moved, Is.EqualTo(-(double)strongest["weight"]!).Within(1e-3 + 1e-3 * Math.Abs((double)strongest["weight"]!)));
        var top = JsonNode.Parse(CliRunner.Run("intervene", "--dict", Clt, "--prompt", Prompt, "--set", source + "=2.5", "--top", "4", "--json").Stdout)!;
        Assert.That(top["logits"]!.AsArray(), Has.Count.EqualTo(4));
        Assert.That(top["logits"]![0]!.AsObject().Select(kv => kv.Key),
            Is.EqualTo(new[] { "token_id", "token", "before", "after", "before_demeaned", "after_demeaned" }));
    }

    [Test]
    public void ViewerRendersOneElementPerNodeOfTheRealGemmaGraphWithoutConsoleErrors()
    {
        var r = CliRunner.Run("graph", "view", "--in", GemmaGraph, "--out", File_("gemma.html"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string html = File.ReadAllText(File_("gemma.html"));
        Assert.That(html, Does.Not.Contain("src=").And.Not.Contain("href="), "self-contained");
        var (dom, log) = Chromium.DumpDom(File_("gemma.html"));
        Assert.That(dom, Does.Contain("data-rendered=\"57\""), "the script ran to the end");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(dom, "data-node-id=\"").Count, Is.EqualTo(57));
        foreach (var id in new[] { "E_2_0", "27_236812_3", "0_-1_1", "0_391_1" }) Assert.That(dom, Does.Contain($"data-node-id=\"{id}\""));
        var errors = log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, log);
    }

    [Test]
    public void AttributeHtmlCarriesTopContextsAndRenders()
    {
        var r = CliRunner.Run("attribute", "--dict", Clt, "--prompt", "ACGT", "--html", File_("ours.html"), "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        int nodes = (int)JsonNode.Parse(r.Stdout)!["after_pruning"]!["nodes"]!;
        var (dom, log) = Chromium.DumpDom(File_("ours.html"));
        Assert.That(dom, Does.Contain($"data-rendered=\"{nodes}\""));
        Assert.That(File.ReadAllText(File_("ours.html")), Does.Contain("\"activation\""), "top contexts embedded");
        Assert.That(log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)), Is.Empty, log);
    }

    [Test]
    public void BadInputIsExitTwoWithOneLine()
    {
        string badGraph = File_("bad.json");
        File.WriteAllText(badGraph, "{\"nodes\": []}");
        string longPrompt = string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 60));
        var cases = new (string[] Args, string Says)[]
        {
            (["attribute", "--dict", Sae, "--prompt", Prompt], "is not a transcoder"),
            (["attribute", "--dict", Clt, "--prompt", longPrompt], "exceed the model's context"),
            (["attribute", "--dict", Plt(0), "--prompt", Prompt], "no transcoder for layer 1"),
            (["intervene", "--dict", Clt, "--prompt", Prompt, "--ablate", "9_1_1"], "unknown node id '9_1_1'"),
            (["intervene", "--dict", Clt, "--prompt", Prompt, "--ablate", "banana"], "unknown node id 'banana'"),
            (["intervene", "--dict", Clt, "--prompt", Prompt, "--ablate", "1_2_3", "--direct", "--free-attention"], "exclude each other"),
            (["graph", "score", "--in", badGraph], "metadata is missing"),
            (["graph", "prune", "--in", badGraph, "--node-threshold", "0.8", "--edge-threshold", "0.98", "--out", File_("x.json")], "metadata is missing"),
            (["graph", "view", "--in", badGraph, "--out", File_("x.html")], "metadata is missing"),
            (["graph", "prune", "--in", GemmaGraph, "--node-threshold", "1.5", "--edge-threshold", "0.98", "--out", File_("x.json")], "between 0 and 1"),
        };
        foreach (var (args, says) in cases)
        {
            var r = CliRunner.Run(args);
            Assert.That(r.ExitCode, Is.EqualTo(2), $"{string.Join(' ', args)}\n{r}");
            Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString());
            Assert.That(r.Stderr, Does.Contain(says), r.ToString());
        }
        Assert.That(File.Exists(File_("x.json")), Is.False, "no partial output");
    }
}
