// Sharding — rewrites a model directory's model.safetensors as two shards plus model.safetensors.index.json, the
// layout Hugging Face uses for large checkpoints.
using System.Text.Json.Nodes;
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Tests.Models;

internal static class Sharding
{
    public static void Split(string dir)
    {
        string single = Path.Combine(dir, "model.safetensors");
        using var scope = DisposeScope.Enter();
        var all = SafeTensorsFile.LoadAll(single);
        var names = all.Keys.Order(StringComparer.Ordinal).ToArray();
        var map = new JsonObject();
        for (int s = 0; s < 2; s++)
        {
            string shard = $"model-0000{s + 1}-of-00002.safetensors";
            var part = names.Where((_, i) => i % 2 == s).ToArray();
            SafeTensorsWriter.Write(Path.Combine(dir, shard), part.Select(n => KeyValuePair.Create(n, all[n])));
            foreach (var n in part) map[n] = shard;
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        File.Delete(single);
    }
}
