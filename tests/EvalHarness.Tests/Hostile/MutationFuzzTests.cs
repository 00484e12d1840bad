// MutationFuzzTests — seeded random mutations (byte flips, digit and sign swaps, insertions, deleted or duplicated
// runs, truncations) of valid files: a dictionary's sae_weights.safetensors and cfg.json (`dict info`), tokenizer.json
// (`tokenize`), a run config (`run`, with a missing baseline so a config that stays valid stops before any work), and a
// baseline (read by BaselineFile and mapped to its exit code by ErrorReport, since a valid one would start a run). 2,100
// cases; each must end in exit 0 or 2 — never 70, never a crash — and an exit 2 is exactly one `interp-eval: ` line.
// The seed is fixed so a failure replays; the case number in the message finds the mutated bytes.
using System.Diagnostics;
using System.Text;
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Tool;

namespace InterpEval.Harness.Tests.Hostile;

[TestFixture]
[NonParallelizable]
public sealed class MutationFuzzTests
{
    private const int CasesPerFormat = 420;

    private HostileFiles _files = null!;

    [OneTimeSetUp]
    public void Make() => _files = new HostileFiles();

    [OneTimeTearDown]
    public void Remove() => _files.Dispose();

    /// <summary>One mutation of `valid`: 1–4 operations chosen at random.</summary>
    public static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int operations = random.Next(1, 5);
        for (int op = 0; op < operations && bytes.Count > 0; op++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;                                     // bit flip
                case 1: bytes[at] = (byte)random.Next(256); break;                                            // byte
                case 2: bytes[at] = (byte)"0123456789-.eE\"{}[],:n"[random.Next(22)]; break;                 // JSON-ish swap
                case 3: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))); break;
                case 4: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 64))); break;       // delete a run
                default: bytes.RemoveRange(at, bytes.Count - at); break;                                      // truncate
            }
        }
        return [.. bytes];
    }

    private static void AssertContract(int code, string stderr, string what)
    {
        Assert.That(code, Is.EqualTo(0).Or.EqualTo(2), $"{what}\n{stderr}");
        if (code != 2) return;
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), $"{what}\n{stderr}");
        Assert.That(lines[0], Does.StartWith(ErrorReport.Prefix), what);
        Assert.That(lines[0], Does.Not.Contain("internal error"), what);
    }

    private (int Codes0, int Codes2) Fuzz(string format, string validFile, Func<string, CliResult> run, int seed)
    {
        byte[] valid = File.ReadAllBytes(validFile);
        var random = new Random(seed);
        int ok = 0, refused = 0;
        for (int i = 0; i < CasesPerFormat; i++)
        {
            File.WriteAllBytes(validFile, Mutate(valid, random));
            CliResult r = run(validFile);
            AssertContract(r.ExitCode, r.Stderr, $"{format} case {i} (seed {seed})");
            if (r.ExitCode == 0) ok++; else refused++;
        }
        File.WriteAllBytes(validFile, valid);
        return (ok, refused);
    }

    [Test]
    public void Mutated_files_are_read_or_refused_with_one_line()
    {
        var clock = Stopwatch.StartNew();
        string dir = _files.NewCase("fuzz");
        string dict = HostileFiles.Copy(_files.Dict, dir, "dict");
        string tok = Path.Combine(dir, "tok");
        Directory.CreateDirectory(tok);
        File.Copy(Path.Combine(_files.Model, "tokenizer.json"), Path.Combine(tok, "tokenizer.json"));
        string config = Path.Combine(dir, "run.json");
        File.Copy(_files.Config, config);
        string outDir = Path.Combine(dir, "out");
        string missingBaseline = Path.Combine(dir, "no-baseline.json");

        var tally = new Dictionary<string, (int, int)>
        {
            ["safetensors"] = Fuzz("safetensors", Path.Combine(dict, "sae_weights.safetensors"), _ => CliRunner.Run("dict", "info", "--dict", dict, "--json"), 1),
            ["cfg.json"] = Fuzz("cfg.json", Path.Combine(dict, "cfg.json"), _ => CliRunner.Run("dict", "info", "--dict", dict, "--json"), 2),
            ["tokenizer.json"] = Fuzz("tokenizer.json", Path.Combine(tok, "tokenizer.json"), _ => CliRunner.Run("tokenize", "--tokenizer", tok, "--text", "hello world 42"), 3),
            ["config"] = Fuzz("config", config, f => CliRunner.Run("run", "--config", f, "--baselines", missingBaseline, "--out", outDir, "--set", "history="), 4),
            ["baseline"] = Fuzz("baseline", _files.Baseline, ReadBaseline, 5),
        };
        Assert.That(Directory.Exists(outDir) ? Directory.GetFiles(outDir).Select(Path.GetFileName) : [], Is.Empty.Or.EqualTo(new[] { InterpEval.Harness.Runs.OutputLock.FileName }),
            "no run got past its missing baseline");
        foreach (var (format, (ok, refused)) in tally)
        {
            TestContext.Out.WriteLine($"{format}: {ok} read, {refused} refused");
            Assert.That(refused, Is.GreaterThan(0), $"{format}: the mutations reach the checks");
        }
        TestContext.Out.WriteLine($"{5 * CasesPerFormat} cases in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>A baseline read as `run` reads it, its failure mapped to the exit code `run` would give.</summary>
    private static CliResult ReadBaseline(string path)
    {
        try
        {
            BaselineFile.Read(path);
            return new CliResult(0, "", "");
        }
        catch (Exception e)
        {
            var stderr = new StringWriter();
            int code = (int)ErrorReport.Report(e, stderr, showStackTrace: false);
            return new CliResult(code, "", stderr.ToString());
        }
    }
}
