// DefaultsTests — one source of defaults: the records' own defaults are the default profile, the profiles the loader
// merges are the typed presets, and docs/harness.md (the config schema's example and the profile table) states them.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InterpEval.Harness.Config;

namespace InterpEval.Harness.Tests.Config;

[TestFixture]
public sealed class DefaultsTests
{
    private static JsonNode? Json<T>(T value) => JsonSerializer.SerializeToNode(value, ConfigLoader.Json);

    private static string HarnessDoc()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EvalHarness.sln"))) dir = dir.Parent;
        Assert.That(dir, Is.Not.Null, "the repository root above the test binaries");
        return File.ReadAllText(Path.Combine(dir!.FullName, "docs", "harness.md"));
    }

    [Test]
    public void TheRecordsDefaultsAreTheDefaultProfile()
    {
        Assert.That(Profiles.DefaultPreset.Eval, Is.EqualTo(new EvalSettings()));
        Assert.That(Profiles.DefaultPreset.Training, Is.EqualTo(new TrainingSettings()));
        Assert.That(Profiles.DefaultPreset with { Suites = [], Dictionaries = [] }, Is.EqualTo(new HarnessConfig()).Using<HarnessConfig>(
            (a, b) => JsonNode.DeepEquals(Json(a), Json(b))));
    }

    [TestCase("smoke")]
    [TestCase("default")]
    [TestCase("full")]
    public void TheLoaderMergesTheTypedPreset(string profile)
    {
        var (_, config) = ConfigLoader.Load(new ConfigSources(null, profile, [], new Dictionary<string, JsonNode?>()));
        var preset = profile == "smoke" ? Profiles.SmokePreset : Profiles.DefaultPreset;
        Assert.That(config.Eval, Is.EqualTo(preset.Eval));
        Assert.That(config.Training, Is.EqualTo(preset.Training));
        Assert.That(config.Suites, Is.EqualTo(preset.Suites));
        Assert.That(JsonNode.DeepEquals(Json(config.Dictionaries), Json(preset.Dictionaries)));
    }

    [Test]
    public void TheSchemaExampleStatesTheDefaultProfile()
    {
        string doc = HarnessDoc();
        int start = doc.IndexOf("```jsonc\n", doc.IndexOf("## Config schema", StringComparison.Ordinal), StringComparison.Ordinal) + "```jsonc\n".Length;
        string block = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        var example = JsonNode.Parse(block, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        var preset = Json(Profiles.DefaultPreset)!.AsObject();
        foreach (var (field, value) in example)
        {
            if (field == "dictionaries") continue;                                          // examples of every kind, not the default's subjects
            Assert.That(JsonNode.DeepEquals(value, preset[field]), $"docs/harness.md says {field} is {value?.ToJsonString()}, the default profile {preset[field]?.ToJsonString()}");
        }
        Assert.That(example.Select(kv => kv.Key), Is.SupersetOf(new[] { "eval", "training", "suites", "seed", "out" }));
    }

    [TestCase("smoke")]
    [TestCase("default")]
    public void TheProfileTableStatesEachPreset(string profile)
    {
        var preset = profile == "smoke" ? Profiles.SmokePreset : Profiles.DefaultPreset;
        string row = HarnessDoc().Split('\n').Single(l => l.StartsWith($"| `{profile}` |", StringComparison.Ordinal));
        Assert.That(row, Does.Contain($"| {preset.Training.Steps} steps × {preset.Training.BatchTokens} tokens |"));
        Assert.That(row, Does.Contain($" on {preset.Eval.Tokens} tokens |"));
        foreach (string suite in preset.Suites) Assert.That(Regex.IsMatch(row, $@"\b{suite}\b") || profile != "smoke" && Profiles.SmokePreset.Suites.Contains(suite),
            $"the {profile} row names {suite}");
    }
}
