// BenchTrainHandler — runs TrainBenchmark for `bench train` and prints one JSON object (--json; the keys
// eng/bench_train.py prints too) or a table. Formatting only.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Bench;

public sealed class BenchTrainHandler(TextWriter output)
{
    public ExitCode Run(BenchOptions<TrainSettings> o)
    {
        var settings = o.Settings;
        TrainResult result;
        try { result = new TrainBenchmark(settings).Measure(); }
        catch (ArgumentException e) { throw new UsageException(e.Message, e); }
        if (o.Json) output.WriteLine(ToJson(result, MachineInfo.Current()).ToJsonString());
        else WriteTable(result, output);
        return ExitCode.Ok;
    }

    public static JsonObject ToJson(TrainResult r, MachineInfo machine) => new()
    {
        ["benchmark"] = "train", ["implementation"] = "interp-eval", ["arch"] = r.Settings.Architecture,
        ["path"] = r.Settings.Fused ? "fused" : "generic", ["d_in"] = r.Settings.DIn, ["width"] = r.Settings.Width,
        ["k"] = r.Settings.Architecture == "topk" ? r.Settings.K : null, ["batch"] = r.Settings.Batch, ["steps"] = r.Settings.Steps,
        ["device"] = r.Settings.Device.ToString(), ["threads"] = r.Gemm.Threads, ["seconds_per_step"] = r.MeanSeconds,
        ["seconds_per_step_best"] = r.BestSeconds, ["tokens_per_s"] = r.TokensPerSecond, ["gflop_per_step"] = r.FlopsPerStep / 1e9,
        ["gflops"] = r.Gflops, ["sgemm_gflops"] = r.Gemm.Gflops, ["sgemm_size"] = r.Gemm.Settings.Size, ["peak_fraction"] = r.PeakFraction,
        ["gemm_floor_seconds"] = r.GemmFloorSeconds, ["step_over_gemm_floor"] = r.MeanSeconds / r.GemmFloorSeconds,
        ["final_loss"] = r.FinalLoss, ["density"] = r.Settings.Density, ["latent_density"] = r.LatentDensity, ["sparse_latents"] = r.SparseLatents,
        ["cpu"] = machine.Cpu, ["processor_count"] = machine.ProcessorCount,
        ["phase_seconds"] = r.PhaseSeconds is null ? null : new JsonObject(r.PhaseSeconds.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    private static void WriteTable(TrainResult r, TextWriter output)
    {
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        var s = r.Settings;
        string shape = $"d_in {s.DIn}, width {s.Width}{(s.Architecture == "topk" ? $", k {s.K}" : "")}, batch {s.Batch}";
        var table = new Table().Title(Markup.Escape($"train {s.Architecture} ({(s.Fused ? "fused" : "generic")}), {shape} on {s.Device}"))
            .AddColumn("").AddColumn("value");
        table.AddRow("s per step (mean / best)", $"{F(r.MeanSeconds, "F3")} / {F(r.BestSeconds, "F3")}");
        table.AddRow("tokens/s", F(r.TokensPerSecond, "N0"));
        table.AddRow("GFLOP per step", F(r.FlopsPerStep / 1e9, "F1"));
        table.AddRow("GFLOP/s", F(r.Gflops, "F1"));
        table.AddRow($"sgemm peak ({r.Gemm.Settings.Size}², GFLOP/s)", F(r.Gemm.Gflops, "F1"));
        table.AddRow("fraction of peak", F(r.PeakFraction * 100, "F1") + " %");
        table.AddRow("GEMMs alone (s) / step ÷ that", $"{F(r.GemmFloorSeconds, "F3")} / {F(r.MeanSeconds / r.GemmFloorSeconds, "F2")}");
        table.AddRow("latent density (sparse path)", $"{F(r.LatentDensity, "G3")} ({(r.SparseLatents ? "yes" : "no")})");
        table.AddRow("threads", r.Gemm.Threads.ToString(CultureInfo.InvariantCulture));
        foreach (var (phase, seconds) in r.PhaseSeconds ?? new Dictionary<string, double>())
            table.AddRow($"  {phase} (s / step, share)", $"{F(seconds, "F3")} / {F(seconds / r.MeanSeconds * 100, "F0")} %");
        Terminal.For(output).Write(table);
    }
}
