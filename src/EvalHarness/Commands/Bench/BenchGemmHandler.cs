// BenchGemmHandler — runs the gemm benchmark for `bench gemm` and formats its result: a Spectre.Console table, or one
// JSON object (--json) whose keys eng/bench_gemm.py prints too. Formatting only; GemmBenchmark measures.
using System.Globalization;
using System.Text.Json;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Bench;

public sealed class BenchGemmHandler(TextWriter output)
{
    public ExitCode Run(BenchOptions<GemmSettings> o)
    {
        var settings = o.Settings;
        GemmResult result = new GemmBenchmark(settings).Measure();
        MachineInfo machine = MachineInfo.Current();
        if (o.Json)
            output.WriteLine(ToJson(result, machine));
        else
            WriteTable(result, machine, output);
        return ExitCode.Ok;
    }

    /// <summary>One JSON object on one line; numbers are JSON numbers (culture-invariant, round-trip).</summary>
    public static string ToJson(GemmResult result, MachineInfo machine)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("benchmark", "gemm");
            json.WriteNumber("size", result.Settings.Size);
            json.WriteString("device", result.Settings.Device.ToString());
            json.WriteNumber("threads", result.Threads);
            json.WriteNumber("blas_threads", result.BlasThreads);
            json.WriteString("libtorch", result.Libtorch);
            json.WriteNumber("repeats", result.Settings.Repeats);
            json.WriteNumber("ops_per_repeat", result.OpsPerRepeat);
            json.WriteNumber("gflops", result.Gflops);
            json.WriteNumber("gflops_mean", result.GflopsMean);
            json.WriteNumber("seconds_per_op", result.BestSecondsPerOp);
            json.WriteStartObject("machine");
            json.WriteNumber("processor_count", machine.ProcessorCount);
            json.WriteString("os", machine.Os);
            json.WriteString("cpu", machine.Cpu);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTable(GemmResult result, MachineInfo machine, TextWriter output)
    {
        IAnsiConsole console = Terminal.For(output);
        var table = new Table().Title($"gemm {result.Settings.Size}×{result.Settings.Size} fp32 on {result.Settings.Device}")
            .AddColumn("")
            .AddColumn("value");
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        table.AddRow("GFLOP/s (best)", F(result.Gflops, "F1"));
        table.AddRow("GFLOP/s (mean)", F(result.GflopsMean, "F1"));
        table.AddRow("ms per op (best)", F(result.BestSecondsPerOp * 1e3, "F3"));
        table.AddRow("repeats × ops", $"{result.Settings.Repeats} × {result.OpsPerRepeat}");
        table.AddRow("threads (libtorch / BLAS)", $"{result.Threads} / {(result.BlasThreads == 0 ? "not OpenBLAS" : result.BlasThreads.ToString(CultureInfo.InvariantCulture))}");
        table.AddRow("libtorch", Markup.Escape(result.Libtorch));
        table.AddRow("machine", Markup.Escape($"{machine.ProcessorCount} cores, {machine.Cpu ?? "unknown CPU"}, {machine.Os}"));
        console.Write(table);
    }
}
