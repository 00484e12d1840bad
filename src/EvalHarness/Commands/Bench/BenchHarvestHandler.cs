// BenchHarvestHandler — runs HarvestBenchmark for `bench harvest` and prints one JSON object (--json; the keys
// eng/bench_harvest.py prints too) or a table. Formatting only.
using System.Globalization;
using System.Text.Json.Nodes;
using InterpEval.Harness.Bench;
using InterpEval.Harness.Tool;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Bench;

public sealed class BenchHarvestHandler(TextWriter output)
{
    public ExitCode Run(BenchOptions<HarvestSettings> o)
    {
        var settings = o.Settings;
        HarvestResult result;
        try { result = new HarvestBenchmark(settings).Measure(); }
        catch (ArgumentException e) { throw new UsageException(e.Message, e); }
        if (o.Json) output.WriteLine(ToJson(result).ToJsonString());
        else WriteTable(result, output);
        return ExitCode.Ok;
    }

    public static JsonObject ToJson(HarvestResult r) => new()
    {
        ["benchmark"] = "harvest", ["implementation"] = "interp-eval", ["model"] = r.Settings.ModelDirectory, ["hook"] = r.Hook,
        ["layer"] = r.Layer, ["device"] = r.Settings.Device.ToString(), ["threads"] = r.Threads, ["batch"] = r.Settings.Batch,
        ["seq"] = r.Settings.Sequence, ["repeats"] = r.Settings.Repeats, ["seconds_per_batch"] = r.BestSeconds, ["tokens_per_s"] = r.TokensPerSecond,
    };

    private static void WriteTable(HarvestResult r, TextWriter output)
    {
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        var table = new Table().Title(Markup.Escape($"harvest {r.Hook}, batch {r.Settings.Batch}×{r.Settings.Sequence} on {r.Settings.Device}"))
            .AddColumn("").AddColumn("value");
        table.AddRow("tokens/s (best)", F(r.TokensPerSecond, "N0"));
        table.AddRow("ms per batch (best)", F(r.BestSeconds * 1e3, "F1"));
        table.AddRow("threads", r.Threads.ToString(CultureInfo.InvariantCulture));
        Terminal.For(output).Write(table);
    }
}
