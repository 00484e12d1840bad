// The device flows to every allocation: dictionaries of every architecture and a freshly initialised model built on
// libtorch's meta device (no GPU needed) hold every parameter there, and a scan of the sources finds no fallback to
// the CPU where a caller's device should have been (`?? Device.Cpu`, an optional `Device? device = null`). What it
// leaves out: running kernels on another device (no GPU here; the ATen formulation is checked on CPU instead).
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;

namespace InterpEval.Interp.Tests.Dictionaries;

public class DevicePlacementTests
{
    [Test]
    public void EveryArchitectureIsCreatedOnTheDeviceItIsGiven()
    {
        foreach (string architecture in DictionaryRegistry.Names)
        {
            using var scope = DisposeScope.Enter();
            var config = TinyDictionaries.Config(architecture, dIn: 4, dSae: 8, k: architecture.Contains("topk", StringComparison.Ordinal) ? 2 : null);
            using var d = DictionaryRegistry.Create(config, seed: 1, device: Device.Meta);
            Assert.That(d.Device, Is.EqualTo(Device.Meta), architecture);
            Assert.That(d.Parameters.Select(p => p.Device), Has.All.EqualTo(Device.Meta), architecture);
        }
    }

    [Test]
    public void AnInitialisedModelLivesOnTheDeviceItIsGiven()
    {
        var config = ModelConfig.Parse(TinyModels.Gpt2Config(), "config.json");
        using var model = TransformerModel.Initialize(config, seed: 3, device: Device.Meta);
        Assert.That(model.Parameters.Select(p => p.Device), Has.All.EqualTo(Device.Meta));
    }

    [Test]
    public void NoSourceFallsBackToTheCpu()
    {
        var fallback = new Regex(@"\?\?\s*(InterpEval\.)?(Torch\.)?Device\.Cpu|Device\?\s+device\s*=\s*null");
        var offenders = new List<string>();
        foreach (string project in new[] { "Interp", "Suites", "EvalHarness" })
            foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src", project), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (fallback.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(RepoRoot(), file)}:{i + 1}: {lines[i].Trim()}");
            }
        Assert.That(offenders, Is.Empty, "a device must come from the caller (--device), not default to the CPU");
    }

    private static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
