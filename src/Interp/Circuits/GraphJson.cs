// GraphJson — attribution graphs as the JSON that circuit-tracer writes and Neuronpedia renders: metadata (slug, scan,
// prompt, prompt_tokens, schema_version 1, node_threshold, generation and pruning settings, info.generator), qParams,
// nodes (node_id, feature, layer, ctx_idx, feature_type, jsNodeId, clerp, influence, activation, token_prob,
// is_target_logit) and links (source, target, weight = A[target, source]). Node ids: {layer}_{latent}_{pos} for
// features, {layer}_-1_{pos} for errors (current circuit-tracer's form, as in its published graphs: the older
// 0_{layer}_{pos} collides with layer-0 latents 0 … L − 1), E_{token}_{pos} for tokens, {L + 1}_{token}_{pos} for
// logits. Reading accepts any graph in that layout (either error-id form) and keeps each node's extra fields; a file
// not in the layout is an InvalidDataException naming the file and the fault. It prunes and scores nothing.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Interp.IO;

namespace InterpEval.Interp.Circuits;

public static class GraphJson
{
    public const string FeatureType = "cross layer transcoder";
    public const string ErrorType = "mlp reconstruction error";
    public const string TokenType = "embedding";
    public const string LogitType = "logit";

    /// <summary>The node object written for a node (its source object, updated, when it was read from a file).</summary>
    public static JsonObject NodeObject(GraphNode node, int nLayers, bool isTargetLogit)
    {
        var o = node.Source?.DeepClone().AsObject() ?? Fresh(node, nLayers, isTargetLogit);
        if (node.Source is not null && node.Kind != NodeKind.Logit && node.Influence is { } influence) o["influence"] = influence;
        return o;
    }

    private static JsonObject Fresh(GraphNode node, int nLayers, bool isTargetLogit)
    {
        var (feature, layer, js) = node.Kind switch
        {
            NodeKind.Feature => (node.Index, node.Layer.ToString(CultureInfo.InvariantCulture), $"{node.Layer}_{node.Index}-0"),
            NodeKind.Error => (-1L, node.Layer.ToString(CultureInfo.InvariantCulture), $"{node.Layer}_-1-{node.Position}"),
            NodeKind.Token => (node.Position, "E", $"E_{node.Index}-{node.Position}"),
            _ => (node.Index, (nLayers + 1).ToString(CultureInfo.InvariantCulture), $"L_{node.Index}-{node.Position}"),
        };
        string clerp = node.Kind == NodeKind.Logit
            ? string.Create(CultureInfo.InvariantCulture, $"Output \"{node.Text}\" (p={node.LogitProb:0.000})")
            : "";
        return new JsonObject
        {
            ["node_id"] = Id(node, nLayers),
            ["feature"] = feature,
            ["layer"] = layer,
            ["ctx_idx"] = node.Position,
            ["feature_type"] = node.Kind switch { NodeKind.Feature => FeatureType, NodeKind.Error => ErrorType, NodeKind.Token => TokenType, _ => LogitType },
            ["token_prob"] = node.Kind == NodeKind.Logit ? (float)node.LogitProb : 0f,
            ["is_target_logit"] = isTargetLogit,
            ["run_idx"] = 0,
            ["reverse_ctx_idx"] = 0,
            ["jsNodeId"] = js,
            ["clerp"] = clerp,
            ["influence"] = node.Kind == NodeKind.Logit || node.Influence is null ? null : (float)node.Influence.Value,
            ["activation"] = node.Activation is { } a ? (float)a : null,
        };
    }

    /// <summary>The node_id of a node (its own when it was read from a file).</summary>
    public static string Id(GraphNode node, int nLayers) => node.Source?["node_id"]?.GetValue<string>() ?? node.Kind switch
    {
        NodeKind.Feature => $"{node.Layer}_{node.Index}_{node.Position}",
        NodeKind.Error => $"{node.Layer}_-1_{node.Position}",
        NodeKind.Token => $"E_{node.Index}_{node.Position}",
        _ => $"{nLayers + 1}_{node.Index}_{node.Position}",
    };

    /// <summary>The whole document; links are the non-zero entries of the adjacency, row by row.</summary>
    public static void Write(AttributionGraph graph, Stream stream)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        writer.WriteStartObject();
        writer.WritePropertyName("metadata");
        MetadataFor(graph).WriteTo(writer);
        writer.WritePropertyName("qParams");
        (graph.Metadata["__qParams"]?.DeepClone() ?? new JsonObject
        {
            ["pinnedIds"] = new JsonArray(), ["supernodes"] = new JsonArray(), ["linkType"] = "both", ["clickedId"] = "", ["sg_pos"] = "",
        }).WriteTo(writer);
        var ids = graph.Nodes.Select(n => Id(n, graph.NLayers)).ToArray();
        int firstLogit = graph.Nodes.ToList().FindIndex(n => n.Kind == NodeKind.Logit);
        writer.WritePropertyName("nodes");
        writer.WriteStartArray();
        for (int i = 0; i < graph.Nodes.Count; i++) NodeObject(graph.Nodes[i], graph.NLayers, i == firstLogit).WriteTo(writer);
        writer.WriteEndArray();
        writer.WritePropertyName("links");
        writer.WriteStartArray();
        int n = graph.Nodes.Count;
        var adjacency = graph.Adjacency.ToArray<float>();
        for (int target = 0; target < n; target++)
            for (int source = 0; source < n; source++)
            {
                float weight = adjacency[(long)target * n + source];
                if (weight == 0) continue;
                writer.WriteStartObject();
                writer.WriteString("source", ids[source]);
                writer.WriteString("target", ids[target]);
                writer.WriteNumber("weight", weight);
                writer.WriteEndObject();
            }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes the graph to a file atomically.</summary>
    public static void Save(AttributionGraph graph, string path) =>
        AtomicFile.Write(path, temp =>
        {
            using var stream = File.Create(temp);
            Write(graph, stream);
        });

    private static JsonObject MetadataFor(AttributionGraph graph)
    {
        var m = graph.Metadata.DeepClone().AsObject();
        m.Remove("__qParams");
        m["prompt"] ??= graph.Prompt;
        m["prompt_tokens"] ??= new JsonArray(graph.PromptTokens.Select(t => (JsonNode)t).ToArray());
        m["slug"] ??= "graph";
        m["scan"] ??= "";
        m["transcoder_list"] ??= new JsonArray();
        m["schema_version"] ??= 1;
        return m;
    }

    /// <summary>Reads a graph in the circuit-tracer / Neuronpedia layout.</summary>
    public static AttributionGraph Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: graph file does not exist");
        JsonNode? root;
        try
        {
            using var stream = File.OpenRead(path);
            root = JsonNode.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not JSON ({e.Message})");
        }
        return Parse(root, path);
    }

    /// <summary>Parses a graph document; path names the source in faults.</summary>
    public static AttributionGraph Parse(JsonNode? root, string path)
    {
        InvalidDataException Fault(string what) => new($"{path}: {what} — expected a circuit-tracer / Neuronpedia graph (metadata, qParams, nodes, links)");
        if (root is not JsonObject doc) throw Fault("the document is not a JSON object");
        if (doc["metadata"] is not JsonObject metadata) throw Fault("metadata is missing or not an object");
        if (doc["nodes"] is not JsonArray nodeArray) throw Fault("nodes is missing or not an array");
        if (doc["links"] is not JsonArray linkArray) throw Fault("links is missing or not an array");
        if (doc["qParams"] is not null and not JsonObject) throw Fault("qParams is not an object");
        if (metadata["prompt"] is not JsonValue promptValue || !promptValue.TryGetValue(out string? prompt)) throw Fault("metadata.prompt is missing or not a string");
        var promptTokens = metadata["prompt_tokens"] is JsonArray pt ? pt.Select(t => t?.ToString() ?? "").ToArray() : [];
        var nodes = new List<GraphNode>();
        for (int i = 0; i < nodeArray.Count; i++) nodes.Add(ParseNode(nodeArray[i], i, promptTokens, Fault));
        int maxFeatureLayer = nodes.Where(n => n.Kind is NodeKind.Feature or NodeKind.Error).Select(n => n.Layer).DefaultIfEmpty(-1).Max();
        int logitLayer = nodes.Where(n => n.Kind == NodeKind.Logit).Select(n => n.Layer).DefaultIfEmpty(-1).Max();
        int nLayers = logitLayer > 0 ? logitLayer - 1 : maxFeatureLayer + 1;
        var ordered = nodes.Select((n, i) => (n, i)).OrderBy(x => x.n.Kind).ThenBy(x => x.i).Select(x => x.n).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ordered.Length; i++)
            if (!index.TryAdd(Id(ordered[i], nLayers), i)) throw Fault($"node_id '{Id(ordered[i], nLayers)}' appears twice");
        int count = ordered.Length;
        var adjacency = new float[(long)count * count];
        for (int i = 0; i < linkArray.Count; i++)
        {
            if (linkArray[i] is not JsonObject link) throw Fault($"links[{i}] is not an object");
            string source = Str(link, "source", $"links[{i}]", Fault), target = Str(link, "target", $"links[{i}]", Fault);
            if (!index.TryGetValue(source, out int s)) throw Fault($"links[{i}].source '{source}' is not a node_id");
            if (!index.TryGetValue(target, out int t)) throw Fault($"links[{i}].target '{target}' is not a node_id");
            if (link["weight"] is not JsonValue wv || !wv.TryGetValue(out double weight) || !double.IsFinite(weight)) throw Fault($"links[{i}].weight is not a finite number");
            adjacency[(long)t * count + s] += (float)weight;
        }
        var meta = metadata.DeepClone().AsObject();
        if (doc["qParams"] is JsonObject q) meta["__qParams"] = q.DeepClone();
        using var scope = DisposeScope.Enter();
        var a = Tensor.From(adjacency, count, count);
        return new AttributionGraph(prompt!, promptTokens, nLayers, ordered, a, meta);
    }

    private static GraphNode ParseNode(JsonNode? node, int i, string[] promptTokens, Func<string, InvalidDataException> fault)
    {
        string where = $"nodes[{i}]";
        if (node is not JsonObject o) throw fault($"{where} is not an object");
        string id = Str(o, "node_id", where, fault);
        string type = Str(o, "feature_type", where, fault);
        if (o["ctx_idx"] is not JsonValue cv || !cv.TryGetValue(out int pos)) throw fault($"{where} ({id}): ctx_idx is missing or not an integer");
        string layerText = o["layer"] is JsonValue lv ? (lv.TryGetValue(out int li) ? li.ToString(CultureInfo.InvariantCulture) : lv.ToString()) : throw fault($"{where} ({id}): layer is missing");
        var kind = type switch { ErrorType => NodeKind.Error, TokenType => NodeKind.Token, LogitType => NodeKind.Logit, _ => NodeKind.Feature };
        int layer = kind == NodeKind.Token ? -1
            : int.TryParse(layerText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int l) ? l
            : throw fault($"{where} ({id}): layer '{layerText}' is not an integer");
        var parts = id.Split('_');
        long index = kind switch
        {
            NodeKind.Error => -1,
            NodeKind.Token or NodeKind.Feature or NodeKind.Logit when parts.Length == 3 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long x) => x,
            _ => o["feature"] is JsonValue fv && fv.TryGetValue(out long f) ? f : throw fault($"{where} ({id}): cannot tell the feature or token from node_id or feature"),
        };
        double? activation = o["activation"] is JsonValue av && av.TryGetValue(out double a) ? a : null;
        double prob = o["token_prob"] is JsonValue pv && pv.TryGetValue(out double p) ? p : 0;
        double? influence = o["influence"] is JsonValue iv && iv.TryGetValue(out double inf) ? inf : null;
        string text = kind == NodeKind.Token && pos >= 0 && pos < promptTokens.Length ? promptTokens[pos] : "";
        return new GraphNode(kind, layer, pos, index, activation, prob, text, o, influence);
    }

    private static string Str(JsonObject o, string key, string where, Func<string, InvalidDataException> fault) =>
        o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw fault($"{where}: {key} is missing or not a string");

    /// <summary>Compact JSON text of a graph (for embedding in a page).</summary>
    public static string ToJsonString(AttributionGraph graph)
    {
        using var ms = new MemoryStream();
        Write(graph, ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
