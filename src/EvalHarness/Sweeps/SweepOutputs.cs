// SweepOutputs — what a finished sweep leaves for people and CI: points.csv (one row per point: grid coordinates,
// FLOPs, every metric), fits.json and fits.csv (each architecture's laws with 95 % intervals and goodness of fit, the
// compute-optimal width at the largest compute with its interval), splitting.csv, and the plots (SVG + PNG) under
// plots/. Every file is written atomically. It trains and evaluates nothing.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Interp.IO;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Sweeps;

/// <param name="Small">The narrower dictionary's id.</param>
/// <param name="Large">The wider one's id.</param>
/// <param name="Architecture">Both dictionaries' architecture.</param>
/// <param name="SmallWidth">Latents of the narrower.</param>
/// <param name="LargeWidth">Latents of the wider.</param>
/// <param name="NovelShare">Share of the wider dictionary's latents whose best decoder-cosine match in the narrower is below the threshold.</param>
/// <param name="MeanMaxCosine">Mean of those best matches.</param>
public sealed record SplittingPair(string Small, string Large, string Architecture, int SmallWidth, int LargeWidth, double NovelShare, double MeanMaxCosine);

public static class SweepOutputs
{
    /// <summary>Max decoder cosine below which a latent of the wider dictionary counts as novel (Leask et al. 2025 use a
    /// cosine cut-off of this kind to separate new features from split or copied ones).</summary>
    public const double NovelCosine = 0.7;

    public const string ExactNote = "as many points as parameters: the fit is exact and its intervals are not informative";

    private static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static IReadOnlyList<ScalingPoint> ScalingPoints(IEnumerable<SweepPointResult> points) =>
        points.Where(p => p.Metrics.ContainsKey("fvu") && p.Metrics["fvu"] > 0)
            .Select(p => new ScalingPoint(Variant(p.Point), p.Point.Width, p.Point.Tokens, p.Flops, p.Metrics["fvu"])).ToList();

    /// <summary>Architecture plus its k or λ ("topk-k16"): the family a law is fitted within.</summary>
    public static string Variant(SweepPoint p) => p.Id[..p.Id.IndexOf("-w", StringComparison.Ordinal)];

    public static void WritePointsCsv(string path, IReadOnlyList<SweepPointResult> points)
    {
        var names = points.SelectMany(p => p.Metrics.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder("id,architecture,variant,width,k,l1,tokens,seed,flops," + string.Join(',', names) + "\n");
        foreach (var r in points)
        {
            SweepPoint p = r.Point;
            sb.Append(string.Join(',', new[]
            {
                p.Id, p.Architecture, Variant(p), p.Width.ToString(CultureInfo.InvariantCulture), p.K?.ToString(CultureInfo.InvariantCulture) ?? "",
                p.SparsityCoefficient is { } l ? N(l) : "", p.Tokens.ToString(CultureInfo.InvariantCulture), p.Seed.ToString(CultureInfo.InvariantCulture), N(r.Flops),
            }.Concat(names.Select(n => r.Metrics.TryGetValue(n, out double v) ? N(v) : ""))));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    public static JsonObject FitsJson(IReadOnlyList<ArchitectureScaling> fits, SweepTiming timing, IReadOnlyList<SplittingPair> splitting)
    {
        var archs = new JsonObject();
        foreach (var a in fits)
        {
            var laws = new JsonObject();
            foreach (var law in a.Laws) laws[law.Name] = LawJson(law);
            var o = new JsonObject { ["frontier"] = new JsonArray([.. a.Frontier.Select(p => (JsonNode)$"w{p.Width}-t{p.Tokens}")]), ["laws"] = laws };
            if (OptimalWidthAt(a) is { } opt)
                o["compute_optimal_width_at_max_compute"] = new JsonObject { ["flops"] = opt.Flops, ["width"] = opt.Width, ["ci95"] = new JsonArray(opt.Ci.Lo, opt.Ci.Hi) };
            archs[a.Architecture] = o;
        }
        return new JsonObject
        {
            ["schema_version"] = 1, ["loss"] = "fvu", ["architectures"] = archs,
            ["splitting"] = new JsonObject { ["novel_cosine"] = NovelCosine, ["pairs"] = new JsonArray([.. splitting.Select(s => (JsonNode)new JsonObject
            {
                ["small"] = s.Small, ["large"] = s.Large, ["novel_share"] = s.NovelShare, ["mean_max_cos"] = s.MeanMaxCosine,
            })]) },
            ["timing_s"] = new JsonObject { ["harvest"] = timing.Harvest, ["training"] = timing.Training, ["evaluation"] = timing.Evaluation },
        };
    }

    /// <summary>N_opt(C) at the largest frontier compute, with the interval of that prediction over the bootstrap draws.</summary>
    public static (double Flops, double Width, Interval Ci)? OptimalWidthAt(ArchitectureScaling a)
    {
        if (a.Law(ScalingFits.OptimalWidth).Estimate is not { } e || a.Frontier.Count == 0) return null;
        double c = a.Frontier.Max(p => p.Flops);
        return (c, e.Fit.Predict(c), e.IntervalOf(l => l.Predict(c)));
    }

    private static JsonObject LawJson(ScalingLaw law)
    {
        var o = new JsonObject { ["x"] = law.X, ["y"] = law.Y, ["points"] = law.Points.Count };
        if (law.Estimate is not { } e) { o["missing"] = law.Missing; return o; }
        o["a"] = e.Fit.A; o["b"] = e.Fit.B; o["c"] = e.Fit.C;
        o["ci95"] = new JsonObject { ["a"] = new JsonArray(e.A.Lo, e.A.Hi), ["b"] = new JsonArray(e.B.Lo, e.B.Hi), ["c"] = new JsonArray(e.C.Lo, e.C.Hi) };
        o["r2_log"] = e.Fit.R2Log; o["rmse_log"] = e.Fit.RmseLog; o["bootstrap"] = e.Resamples;
        if (e.Exact) o["note"] = ExactNote;
        return o;
    }

    public static void WriteFitsCsv(string path, IReadOnlyList<ArchitectureScaling> fits)
    {
        var sb = new StringBuilder("variant,law,x,y,points,a,a_lo,a_hi,b,b_lo,b_hi,c,c_lo,c_hi,r2_log,rmse_log,missing\n");
        foreach (var a in fits)
            foreach (var law in a.Laws)
            {
                string Q(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
                var e = law.Estimate;
                string nums = e is null ? ",,,,,,,,,," : string.Join(',', new[] { e.Fit.A, e.A.Lo, e.A.Hi, e.Fit.B, e.B.Lo, e.B.Hi, e.Fit.C, e.C.Lo, e.C.Hi, e.Fit.R2Log, e.Fit.RmseLog }.Select(N));
                sb.Append($"{a.Architecture},{law.Name},{Q(law.X)},{Q(law.Y)},{law.Points.Count},{nums},{Q(law.Missing ?? "")}\n");
            }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    public static void WriteJson(string path, JsonObject json) =>
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
