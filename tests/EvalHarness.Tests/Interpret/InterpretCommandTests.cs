// `inspect`, `steer` and `features` as a user runs them, on the embedded model with a small random dictionary: output
// shapes and values checked against the library, usage errors as one line (exit 2), and the feature browser rendered
// by headless Chromium (Debian `chromium`, installed by apt-get when missing) with no console errors.
using System.Diagnostics;
using System.Text.Json.Nodes;
using InterpEval.Interp;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Harness.Tests.Interpret;

[NonParallelizable]
public class InterpretCommandTests
{
    private static string _root = null!;
    private static string Dict => Path.Combine(_root, "dict");

    [OneTimeSetUp]
    public static void MakeDictionary()
    {
        _root = Path.Combine(Path.GetTempPath(), "ie-interp-" + Guid.NewGuid().ToString("N")[..8]);
        var config = new DictionaryConfig
        {
            Architecture = "topk", DIn = 128, DSae = 32, K = 4, ModelName = "embedded",
            HookName = "blocks.1.hook_resid_post", HookLayer = 1,
        };
        using var dictionary = DictionaryRegistry.Create(config, seed: 5, device: InterpEval.Torch.Device.Cpu);
        dictionary.Save(Dict);
    }

    [OneTimeTearDown]
    public static void Remove() => Directory.Delete(_root, recursive: true);

    [Test]
    public void InspectListsTopLatentsPerToken()
    {
        var r = CliRunner.Run("inspect", "--dict", Dict, "--text", "ACGTACGT and Hallo", "--top", "3", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var rows = JsonNode.Parse(r.Stdout)!.AsArray();
        Assert.That(rows, Has.Count.EqualTo(Interp.Tokenizers.ByteLevelBpeTokenizer.Load(EmbeddedAssets.ModelDirectory).Encode("ACGTACGT and Hallo").Length));
        foreach (var row in rows)
        {
            var latents = row!["latents"]!.AsArray();
            Assert.That(latents.Count, Is.InRange(1, 3), "a topk-4 dictionary has active latents at every token");
            var values = latents.Select(l => (double)l!["value"]!).ToArray();
            Assert.That(values, Is.Ordered.Descending);
            Assert.That(values, Is.All.GreaterThan(0));
        }
        var table = CliRunner.Run("inspect", "--dict", Dict, "--text", "Hallo Welt");
        Assert.That(table.ExitCode, Is.EqualTo(0), table.ToString());
        Assert.That(table.Stdout, Does.Contain("'Hall").Or.Contain("'H"));
    }

    [Test]
    public void SteerPrintsBothContinuationsAndIsRepeatable()
    {
        string[] args = ["steer", "--dict", Dict, "--latent", "3", "--scale", "10", "--prompt", "The", "--tokens", "8", "--seed", "2", "--calibration-tokens", "1024"];
        var first = CliRunner.Run(args);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.Stdout, Does.Contain("latent 3: max activation").And.Contain("unsteered").And.Contain("steered"));
        Assert.That(CliRunner.Run(args).Stdout, Is.EqualTo(first.Stdout), "seeded");
    }

    [TestCase("--latent", "32", "outside the dictionary's 32 latents")]
    [TestCase("--tokens", "0", "--tokens must be at least 1")]
    public void SteerRejectsBadOptionsWithOneLine(string option, string value, string message)
    {
        var options = new Dictionary<string, string> { ["--latent"] = "1", ["--scale"] = "2", ["--prompt"] = "The", [option] = value };
        var r = CliRunner.Run(["steer", "--dict", Dict, .. options.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain(message));
    }

    [Test]
    public void MissingDictionaryIsExit2()
    {
        var r = CliRunner.Run("inspect", "--dict", Path.Combine(_root, "nope"), "--text", "x");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("nope"));
    }

    [Test]
    public void FeatureBrowserRendersInHeadlessChromiumWithoutConsoleErrors()
    {
        string outDir = Path.Combine(_root, "browser");
        var r = CliRunner.Run("features", "--dict", Dict, "--out", outDir, "--latents", "12", "--tokens", "2048");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        string html = File.ReadAllText(Path.Combine(outDir, "index.html"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain("src="), "self-contained");
        var (dom, log) = Chromium.DumpDom(Path.Combine(outDir, "index.html"));
        Assert.That(dom, Does.Contain("data-rendered=\"12\""), "the script ran to the end");
        Assert.That(dom, Does.Contain("Latent 0").And.Contain("Top activating contexts").And.Contain("Nearest latents"));
        var errors = log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, log);
    }
}

/// <summary>Debian's chromium, installed with apt-get when missing (root) — the test fails with the reason otherwise.</summary>
internal static class Chromium
{
    private static readonly Lazy<string> Executable = new(Find);

    public static (string Dom, string Log) DumpDom(string htmlFile)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + htmlFile })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string dom = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(entireProcessTree: true); Assert.Fail("chromium did not finish in 2 minutes"); }
        return (dom, stderr.Result);
    }

    private static string Find()
    {
        string? found = Which("chromium");
        if (found is not null) return found;
        Run("apt-get", "update -qq");
        Run("apt-get", "install -y -qq chromium");
        return Which("chromium") ?? throw new AssertionException("chromium is missing and `apt-get install chromium` did not provide it");
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static void Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new AssertionException($"could not start {file}");
        process.StandardOutput.ReadToEnd();
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) Assert.Fail($"`{file} {arguments}` failed (exit {process.ExitCode}): {err}");
    }
}
