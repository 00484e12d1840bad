// ConfigLoaderTests — the four config layers (profile → file → --set → options) override in order, objects merge and
// lists replace, --set reaches list elements by id, and every bad field is one InvalidDataException naming it.
using System.Text.Json.Nodes;
using InterpEval.Harness.Config;

namespace InterpEval.Harness.Tests.Config;

[TestFixture]
public sealed class ConfigLoaderTests
{
    private string _file = "";

    [SetUp]
    public void SetUp() => _file = Path.Combine(Path.GetTempPath(), $"ie-config-{Guid.NewGuid():N}.json");

    [TearDown]
    public void TearDown() => File.Delete(_file);

    private static ConfigSources Sources(string? file = null, string? profile = null, string[]? set = null, Dictionary<string, JsonNode?>? options = null) =>
        new(file, profile, set ?? [], options ?? []);

    [Test]
    public void Layers_override_in_order()
    {
        File.WriteAllText(_file, """{ "profile": "smoke", "seed": 5, "training": { "steps": 7 }, /* comment */ "eval": { "tokens": 999 }, }""");
        (_, HarnessConfig c) = ConfigLoader.Load(Sources(_file, set: ["training.learning_rate=0.5", "seed=6"], options: new() { ["seed"] = 9 }));
        Assert.That(c.Profile, Is.EqualTo("smoke"), "the file's profile when --profile is absent");
        Assert.That(c.Training.Steps, Is.EqualTo(7), "file over profile");
        Assert.That(c.Training.BatchTokens, Is.EqualTo(512), "untouched fields keep the profile's value (objects merge)");
        Assert.That(c.Training.LearningRate, Is.EqualTo(0.5), "--set over file");
        Assert.That(c.Seed, Is.EqualTo(9UL), "options over --set");
        Assert.That(c.Eval.Tokens, Is.EqualTo(999));
        Assert.That(c.BaselinePath, Is.EqualTo(Path.Combine("baselines", "smoke.json")));
    }

    [Test]
    public void Set_reaches_a_dictionary_by_id_and_its_training_overrides_merge()
    {
        (_, HarnessConfig c) = ConfigLoader.Load(Sources(profile: "smoke", set: ["dictionaries.relu-resid.width=32", "dictionaries.relu-resid.training.steps=3"]));
        DictionarySpec relu = c.Dictionaries.Single(d => d.Id == "relu-resid");
        Assert.That(relu.Width, Is.EqualTo(32));
        TrainingSettings t = ConfigLoader.TrainingFor(c, relu);
        Assert.That((t.Steps, t.BatchTokens), Is.EqualTo((3, c.Training.BatchTokens)));
        Assert.That(ConfigLoader.TrainingFor(c, c.Dictionaries[0]), Is.EqualTo(c.Training), "others keep the shared settings");
    }

    [Test]
    public void Profile_option_beats_the_file_and_lists_replace()
    {
        File.WriteAllText(_file, """{ "profile": "smoke", "suites": ["sparsity"] }""");
        (_, HarnessConfig c) = ConfigLoader.Load(Sources(_file, profile: "default"));
        Assert.That(c.Profile, Is.EqualTo("default"));
        Assert.That(c.Suites, Is.EqualTo(new[] { "sparsity" }));
    }

    [TestCase("""{ "trainig": { "steps": 1 } }""", "trainig")]
    [TestCase("""{ "suites": ["nope"] }""", "unknown suite 'nope'")]
    [TestCase("""{ "exporters": ["pdf"] }""", "unknown exporter 'pdf'")]
    [TestCase("""{ "seed": "x" }""", "seed")]
    [TestCase("""{ "dictionaries": [ { "id": "a/b" } ] }""", "id 'a/b'")]
    [TestCase("""{ "dictionaries": [ { "id": "a" }, { "id": "a" } ] }""", "two are named 'a'")]
    [TestCase("""{ "eval": { "tokens": 0 } }""", "eval.tokens is 0")]
    [TestCase("""{ "seed": """, "not valid JSON")]
    public void A_bad_config_is_one_line_naming_the_field(string json, string fault)
    {
        File.WriteAllText(_file, json);
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Sources(_file)))!;
        Assert.That(e.Message, Does.Contain(fault).And.Not.Contain("\n"));
    }

    [Test]
    public void Unknown_profile_and_malformed_set_are_usage_errors()
    {
        Assert.That(Assert.Throws<InterpEval.Harness.Tool.UsageException>(() => ConfigLoader.Load(Sources(profile: "huge")))!.Message, Does.Contain("unknown profile 'huge'"));
        Assert.That(Assert.Throws<InterpEval.Harness.Tool.UsageException>(() => ConfigLoader.Load(Sources(set: ["steps"])))!.Message, Does.Contain("expected PATH=VALUE"));
        Assert.That(Assert.Throws<InterpEval.Harness.Tool.UsageException>(() => ConfigLoader.Load(Sources(set: ["dictionaries.zzz.width=3"])))!.Message, Does.Contain("no element 'zzz'"));
    }

    [Test]
    public void Run_reports_a_bad_profile_and_a_bad_set_as_exit_2()
    {
        foreach (string[] args in new[] { new[] { "run", "--profile", "huge" }, ["run", "--set", "nope"] })
        {
            CliResult r = CliRunner.Run(args);
            Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
            Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        }
    }
}
