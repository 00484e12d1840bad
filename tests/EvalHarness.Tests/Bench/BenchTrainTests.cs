// `bench train`: the JSON contract eng/bench_train.py shares, the FLOP formula, and that the fused and generic paths
// train the same dictionary to the same loss. Tiny shapes: benchmarks are commands, these tests check consistency.
using System.Text.Json;

namespace InterpEval.Harness.Tests.Bench;

public class BenchTrainTests
{
    private static readonly string[] Keys =
        ["benchmark", "arch", "path", "d_in", "width", "batch", "steps", "seconds_per_step", "tokens_per_s", "gflop_per_step", "gflops",
         "sgemm_gflops", "peak_fraction", "final_loss"];

    [TestCase("relu", 10.0 * 64 * 16 * 128)]
    [TestCase("topk", 2.0 * 64 * 16 * 128 + 10.0 * 64 * 4 * 16)]
    public void JsonReportsTheFormulaAndConsistentFigures(string arch, double flops)
    {
        var root = Run(arch, generic: false);
        foreach (string key in Keys) Assert.That(root.TryGetProperty(key, out _), Is.True, $"key {key}");
        Assert.That(root.GetProperty("gflop_per_step").GetDouble(), Is.EqualTo(flops / 1e9).Within(1e-12));
        double seconds = root.GetProperty("seconds_per_step").GetDouble();
        Assert.That(root.GetProperty("tokens_per_s").GetDouble(), Is.EqualTo(64 / seconds).Within(1e-6 * 64 / seconds));
        Assert.That(root.GetProperty("gflops").GetDouble(), Is.EqualTo(flops / seconds / 1e9).Within(1e-9 * flops / seconds));
        Assert.That(root.GetProperty("peak_fraction").GetDouble(),
            Is.EqualTo(root.GetProperty("gflops").GetDouble() / root.GetProperty("sgemm_gflops").GetDouble()).Within(1e-12));
    }

    [TestCase("relu")]
    [TestCase("topk")]
    public void FusedAndGenericPathsReachTheSameLoss(string arch)
    {
        double fused = Run(arch, generic: false).GetProperty("final_loss").GetDouble();
        double generic = Run(arch, generic: true).GetProperty("final_loss").GetDouble();
        Assert.That(fused, Is.EqualTo(generic).Within(1e-4 * Math.Abs(generic)));
    }

    [TestCase("relu")]
    [TestCase("topk")]
    public void ProfilePhasesReportsEveryPhaseWithinTheStep(string arch)
    {
        Assert.That(Run(arch, generic: false).GetProperty("phase_seconds").ValueKind, Is.EqualTo(JsonValueKind.Null), "off by default");
        var root = Run(arch, generic: false, "--profile-phases");
        var phases = root.GetProperty("phase_seconds").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.That(phases.Keys, Is.EqualTo(new[] { "forward", "backward", "decoder_constraint", "adam", "zero_grad", "loss_read" }));
        Assert.That(phases.Values, Has.All.GreaterThanOrEqualTo(0));
        Assert.That(phases["forward"] + phases["backward"], Is.GreaterThan(0));
        Assert.That(phases.Values.Sum(), Is.LessThanOrEqualTo(root.GetProperty("seconds_per_step").GetDouble() * 1.0001),
            "the phases are parts of the timed step");
    }

    [Test]
    public void DensitySetsTheLatentDensityAndSwitchesReluToItsSparsePath()
    {
        var dense = Run("relu", generic: false);
        Assert.That(dense.GetProperty("latent_density").GetDouble(), Is.InRange(0.3, 0.7), "b_enc = 0: about half fire");
        Assert.That(dense.GetProperty("sparse_latents").GetBoolean(), Is.False);
        var sparse = Run("relu", generic: false, "--density", "0.015625");  // one token of 64 per latent
        Assert.That(sparse.GetProperty("density").GetDouble(), Is.EqualTo(0.015625));
        Assert.That(sparse.GetProperty("latent_density").GetDouble(), Is.InRange(0.008, 0.025));
        Assert.That(sparse.GetProperty("sparse_latents").GetBoolean(), Is.True, "below ReluDictionary's 0.02 threshold");
        double generic = Run("relu", generic: true, "--density", "0.015625").GetProperty("final_loss").GetDouble();
        Assert.That(sparse.GetProperty("final_loss").GetDouble(), Is.EqualTo(generic).Within(1e-4 * Math.Abs(generic)), "sparse path vs generic autograd");
    }

    [Test]
    public void DensityOnTopkIsOneLineExit2()
    {
        CliResult r = CliRunner.Run("bench", "train", "--arch", "topk", "--width", "8", "--k", "2", "--batch", "4", "--steps", "1", "--gemm-size", "8",
            "--density", "0.5");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("--density"));
    }

    [Test]
    public void BadArchitectureIsOneLineExit2()
    {
        CliResult r = CliRunner.Run("bench", "train", "--arch", "gated", "--width", "8", "--batch", "4", "--steps", "1", "--gemm-size", "8");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("--arch").And.Contain("gated"));
    }

    private static JsonElement Run(string arch, bool generic, params string[] extra)
    {
        string[] args = ["bench", "train", "--arch", arch, "--d-in", "16", "--width", "128", "--k", "4", "--batch", "64", "--steps", "2",
                         "--gemm-size", "32", "--json", .. generic ? new[] { "--generic" } : [], .. extra];
        CliResult r = CliRunner.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line of JSON");
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }
}
