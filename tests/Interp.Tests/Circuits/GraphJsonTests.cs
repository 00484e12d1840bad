// The graph JSON: ours validates against Neuronpedia's schema; a written graph reads back with the same nodes and
// weights (so a full graph can be re-pruned without recomputing, to the same result); the real circuit-tracer graph of
// Gemma-3-1B reads, scores and re-writes; files not in the layout are refused with a message naming the file and fault.
using System.Text.Json.Nodes;
using InterpEval.Interp.Circuits;

namespace InterpEval.Interp.Tests.Circuits;

public class GraphJsonTests
{
    private static string Reference(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Circuits", "Reference", name);
    public static string GemmaGraph => Reference("circuit-tracer-graph-gemma-3-1b.json");
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    [Test]
    public void OurGraphValidatesAgainstNeuronpediasSchema()
    {
        using var g = GraphPruningTests.Hand();
        var r = GraphPruning.Prune(g);
        using var full = GraphPruning.WithInfluence(g, r);
        var doc = JsonNode.Parse(GraphJson.ToJsonString(full))!;
        var schema = JsonNode.Parse(File.ReadAllText(Reference("neuronpedia-graph-schema.json")))!;
        Assert.That(MiniSchema.Validate(doc, schema), Is.Empty);
        // The validator has power: a node without jsNodeId, or a string weight, fails.
        var broken = doc.DeepClone();
        broken["nodes"]![0]!.AsObject().Remove("jsNodeId");
        broken["links"]![0]!["weight"] = "heavy";
        Assert.That(MiniSchema.Validate(broken, schema), Has.Count.EqualTo(2));
        var node = doc["nodes"]!.AsArray().Select(n => n!.AsObject()).ToArray();
        Assert.That(node.Select(n => (string)n["node_id"]!), Is.EqualTo(new[] { "0_7_0", "1_3_1", "0_-1_1", "E_11_0", "E_12_1", "3_20_1", "3_21_1" }));
        Assert.That(node.Select(n => (string)n["feature_type"]!).Distinct(),
            Is.EqualTo(new[] { "cross layer transcoder", "mlp reconstruction error", "embedding", "logit" }));
        Assert.That((bool)node[5]["is_target_logit"]!, Is.True);
        Assert.That((string)node[5]["clerp"]!, Is.EqualTo("Output \"x\" (p=0.750)"));
        Assert.That((int)doc["metadata"]!["schema_version"]!, Is.EqualTo(1));
    }

    [Test]
    public void AWrittenGraphReadsBackAndRePrunesToTheSameResult()
    {
        using var g = GraphPruningTests.Hand();
        string path = Path.Combine(Path.GetTempPath(), $"ie-graph-{Guid.NewGuid():N}.json");
        try
        {
            GraphJson.Save(g, path);
            using var back = GraphJson.Load(path);
            Assert.That(back.Nodes.Select(n => n.Id), Is.EqualTo(g.Nodes.Select(n => n.Id)));
            Assert.That(back.Adjacency.ToArray<float>(), Is.EqualTo(g.Adjacency.ToArray<float>()));
            Assert.That(back.NLayers, Is.EqualTo(2));
            var a = GraphPruning.Prune(g, 0.8, 0.8);
            var b = GraphPruning.Prune(back, 0.8, 0.8);
            Assert.That(b.NodeMask, Is.EqualTo(a.NodeMask));
            Assert.That(b.EdgeMask.ToArray<bool>(), Is.EqualTo(a.EdgeMask.ToArray<bool>()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TheRealCircuitTracerGraphReadsScoresAndRewrites()
    {
        using var g = GraphJson.Load(GemmaGraph);
        Assert.That(g.Nodes, Has.Count.EqualTo(57));
        Assert.That(g.EdgeCount(), Is.EqualTo(221));
        Assert.That(g.NLayers, Is.EqualTo(26));
        Assert.That((g.Count(NodeKind.Feature), g.Count(NodeKind.Error), g.Count(NodeKind.Token), g.Count(NodeKind.Logit)), Is.EqualTo((40, 8, 4, 5)));
        var s = GraphPruning.Scores(g);
        Assert.That(s.ReplacementScore, Is.InRange(0.0, 1.0));
        Assert.That(s.CompletenessScore, Is.InRange(0.0, 1.0));
        var doc = JsonNode.Parse(GraphJson.ToJsonString(g))!;
        var original = JsonNode.Parse(File.ReadAllText(GemmaGraph))!;
        Assert.That(doc["nodes"]!.AsArray().Select(n => n!.ToJsonString()), Is.EquivalentTo(original["nodes"]!.AsArray().Select(n => n!.ToJsonString())));
        Assert.That((string)doc["metadata"]!["slug"]!, Is.EqualTo("nnsight-123-gemma-3-1b-gemmascope2-16k"));
    }

    [TestCase("[1, 2]", "not a JSON object")]
    [TestCase("{\"qParams\": {}, \"nodes\": [], \"links\": []}", "metadata is missing")]
    [TestCase("{\"metadata\": {\"prompt\": \"x\"}, \"qParams\": {}, \"nodes\": [{\"node_id\": \"E_1_0\"}], \"links\": []}", "feature_type is missing")]
    [TestCase("{\"metadata\": {\"prompt\": \"x\"}, \"qParams\": {}, \"nodes\": [], \"links\": [{\"source\": \"a\", \"target\": \"b\", \"weight\": 1}]}", "'a' is not a node_id")]
    [TestCase("not json", "not JSON")]
    public void FilesNotInTheLayoutAreRefusedNamingTheFault(string text, string fault)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ie-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => GraphJson.Load(path));
            Assert.That(e!.Message, Does.StartWith(path).And.Contain(fault));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>The subset of JSON Schema (draft 7) the Neuronpedia graph schema uses: type (one or a list), properties,
/// required, items. Returns one message per violation.</summary>
internal static class MiniSchema
{
    public static List<string> Validate(JsonNode? value, JsonNode schema, string path = "$")
    {
        var errors = new List<string>();
        if (schema["type"] is { } type)
        {
            var allowed = type is JsonArray arr ? arr.Select(t => (string)t!).ToArray() : [(string)type!];
            if (!allowed.Any(t => Is(value, t))) { errors.Add($"{path}: expected {string.Join("|", allowed)}"); return errors; }
        }
        if (value is JsonObject o)
        {
            if (schema["required"] is JsonArray required)
                foreach (var r in required)
                    if (!o.ContainsKey((string)r!)) errors.Add($"{path}: missing {(string)r!}");
            if (schema["properties"] is JsonObject props)
                foreach (var (key, sub) in props)
                    if (o.ContainsKey(key)) errors.AddRange(Validate(o[key], sub!, $"{path}.{key}"));
        }
        if (value is JsonArray a && schema["items"] is JsonObject items)
            for (int i = 0; i < a.Count; i++) errors.AddRange(Validate(a[i], items, $"{path}[{i}]"));
        return errors;
    }

    private static bool Is(JsonNode? v, string type) => type switch
    {
        "null" => v is null,
        "object" => v is JsonObject,
        "array" => v is JsonArray,
        "string" => v is JsonValue s && s.TryGetValue(out string? _),
        "boolean" => v is JsonValue b && b.TryGetValue(out bool _),
        "integer" => v is JsonValue n && n.TryGetValue(out double d) && Math.Abs(d % 1) == 0,
        "number" => v is JsonValue m && m.TryGetValue(out double _),
        _ => true,
    };
}
