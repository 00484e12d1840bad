// `bench gemm`: the JSON contract that eng/bench-gemm.sh and eng/bench_gemm.py share, and a sane measurement.
// Small sizes only: benchmarks are commands, and these tests check shape and consistency, not speed.
using System.Text.Json;
using InterpEval.Torch;

namespace InterpEval.Harness.Tests.Bench;

public class BenchGemmTests
{
    private static readonly string[] Keys =
        ["benchmark", "size", "threads", "blas_threads", "libtorch", "gflops", "gflops_mean", "seconds_per_op", "machine"];

    [Test]
    public void JsonOutputIsOneObjectWithConsistentFigures()
    {
        CliResult r = CliRunner.Run("bench", "gemm", "--size", "64", "--repeats", "2", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line of JSON");

        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        JsonElement root = doc.RootElement;
        foreach (string key in Keys) Assert.That(root.TryGetProperty(key, out _), Is.True, $"key {key}");
        Assert.That(root.GetProperty("benchmark").GetString(), Is.EqualTo("gemm"));
        Assert.That(root.GetProperty("size").GetInt32(), Is.EqualTo(64));
        Assert.That(root.GetProperty("threads").GetInt32(), Is.EqualTo(Environment.ProcessorCount), "default --threads");
        Assert.That(root.GetProperty("libtorch").GetString(), Is.EqualTo(TorchRuntime.Version));

        double gflops = root.GetProperty("gflops").GetDouble();
        double mean = root.GetProperty("gflops_mean").GetDouble();
        double seconds = root.GetProperty("seconds_per_op").GetDouble();
        Assert.That(gflops, Is.GreaterThan(0));
        Assert.That(mean, Is.GreaterThan(0).And.LessThanOrEqualTo(gflops * (1 + 1e-12)), "best is at least the mean");
        Assert.That(2.0 * 64 * 64 * 64 / seconds / 1e9, Is.EqualTo(gflops).Within(1e-9).Percent, "gflops = 2N³ / seconds_per_op");

        JsonElement machine = root.GetProperty("machine");
        Assert.That(machine.GetProperty("processor_count").GetInt32(), Is.EqualTo(Environment.ProcessorCount));
        Assert.That(machine.GetProperty("os").GetString(), Is.Not.Empty);
    }

    [Test]
    public void ThreadsOptionShowsInTheResult()
    {
        CliResult r = CliRunner.Run("--threads", "1", "bench", "gemm", "--size", "32", "--repeats", "1", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        Assert.That(doc.RootElement.GetProperty("threads").GetInt32(), Is.EqualTo(1));
        int blas = doc.RootElement.GetProperty("blas_threads").GetInt32();
        Assert.That(blas, Is.EqualTo(1).Or.EqualTo(0), "OpenBLAS follows --threads (0 = libtorch is not on OpenBLAS)");
    }

    [Test]
    public void TableOutputShowsTheThroughput()
    {
        CliResult r = CliRunner.Run("bench", "gemm", "--size", "32", "--repeats", "1");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("GFLOP/s (best)").And.Contain("32×32"));
        Assert.That(r.Stdout, Does.Not.StartWith("{"));
        Assert.That(r.Stdout, Does.Not.Contain("\u001b"), "no ANSI escapes when the output is not a terminal");
    }
}
