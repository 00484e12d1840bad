// PythonReference — runs Reference/hf_reference.py (plain PyTorch, its own safetensors parser) with Debian's
// python3-torch when present and returns its logits. Tests that need it are ignored, with the reason, when
// /usr/bin/python3 cannot import torch.
using System.Diagnostics;

namespace InterpEval.Interp.Tests.Models;

internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<bool> s_available = new(() => Run("-c \"import torch\"", out _) == 0);

    public static bool Available => s_available.Value;

    public static void RequireAvailable()
    {
        if (!Available) Assert.Ignore($"{Python} with torch (Debian python3-torch) is not installed: the PyTorch reference cannot run");
    }

    /// <summary>Reference logits [T, vocab] (row-major float32) for ids.</summary>
    public static float[] Logits(string modelDir, IReadOnlyList<long> ids)
    {
        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Reference", "hf_reference.py");
        string output = Path.Combine(modelDir, "reference-logits.bin");
        int code = Run($"\"{script}\" \"{modelDir}\" {string.Join(",", ids)} \"{output}\"", out string stderr);
        Assert.That(code, Is.EqualTo(0), $"reference script failed: {stderr}");
        var bytes = File.ReadAllBytes(output);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    private static int Run(string arguments, out string stderr)
    {
        if (!File.Exists(Python)) { stderr = "no " + Python; return -1; }
        var psi = new ProcessStartInfo(Python, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
