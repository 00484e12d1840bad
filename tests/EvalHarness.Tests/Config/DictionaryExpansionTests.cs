// DictionaryExpansionTests — a "layers" entry becomes one dictionary per layer (ids "{id}-l{layer}", each layer's MLP
// hooks for a transcoder, its resid_post for an sae), and a bad "layers" is one config error naming the entry.
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;

namespace InterpEval.Harness.Tests.Config;

[TestFixture]
public sealed class DictionaryExpansionTests
{
    private static DictionarySpec Spec(string kind, string layers) => new("d", Kind: kind, Layers: JsonNode.Parse(layers));

    [Test]
    public void All_layers_of_a_transcoder_expand_in_layer_order_with_each_layers_mlp_hooks()
    {
        var other = new DictionarySpec("sae");
        IReadOnlyList<DictionarySpec> expanded = DictionaryExpansion.Expand([other, Spec("transcoder", "\"all\"")], modelLayers: 3);
        Assert.That(expanded.Select(s => s.Id), Is.EqualTo(new[] { "sae", "d-l0", "d-l1", "d-l2" }));
        Assert.That(expanded[0], Is.SameAs(other));
        Assert.That(expanded[2].Hook, Is.EqualTo("blocks.1.ln2.hook_normalized"));
        Assert.That(expanded[2].HookOut, Is.EqualTo("blocks.1.hook_mlp_out"));
        Assert.That(expanded.Skip(1).All(s => s.Layers is null), Is.True);
    }

    [Test]
    public void A_list_of_layers_of_an_sae_reads_each_layers_resid_post()
    {
        IReadOnlyList<DictionarySpec> expanded = DictionaryExpansion.Expand([Spec("sae", "[3, 1]")], modelLayers: 4);
        Assert.That(expanded.Select(s => (s.Id, s.Hook, s.HookOut)),
            Is.EqualTo(new[] { ("d-l3", (string?)"blocks.3.hook_resid_post", (string?)null), ("d-l1", "blocks.1.hook_resid_post", null) }));
    }

    [TestCase("clt", "\"all\"", "a clt already spans every layer")]
    [TestCase("transcoder", "\"some\"", "layers must be \"all\"")]
    [TestCase("transcoder", "[]", "layers must be \"all\"")]
    [TestCase("transcoder", "[1, 1]", "layer 1 is listed twice")]
    [TestCase("transcoder", "[-1]", "'-1' is not a layer number")]
    public void A_bad_layers_field_is_named(string kind, string layers, string message)
    {
        string file = Path.Combine(Path.GetTempPath(), $"ie-layers-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, $$"""{ "dictionaries": [ { "id": "d", "kind": "{{kind}}", "layers": {{layers}} } ] }""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(new ConfigSources(file, null, [], new Dictionary<string, JsonNode?>())));
            Assert.That(e!.Message, Does.StartWith(file + ": dictionaries[d]: ").And.Contain(message));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void A_layer_beyond_the_model_and_a_clashing_id_are_config_errors()
    {
        var beyond = Assert.Throws<InvalidDataException>(() => DictionaryExpansion.Expand([Spec("transcoder", "[4]")], modelLayers: 4));
        Assert.That(beyond!.Message, Does.Contain("dictionaries[d].layers: layer 4").And.Contain("4 layers"));
        var clash = Assert.Throws<InvalidDataException>(() => DictionaryExpansion.Expand([new DictionarySpec("d-l0"), Spec("transcoder", "\"all\"")], 2));
        Assert.That(clash!.Message, Does.Contain("two are named 'd-l0'"));
    }
}
