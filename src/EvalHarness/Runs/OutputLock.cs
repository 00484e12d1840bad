// OutputLock — one writer per output folder: `run` and `eval` hold <out>/.interp-eval.lock (an exclusive lock, which
// .NET takes with flock on Unix, so the kernel drops it when the process dies, even by SIGKILL) from the moment the
// config is valid until they exit. A second run on the same folder is refused at once with one line instead of
// interleaving its result files with the first's. The file itself stays (deleting it would race with a newcomer).
using System.Globalization;
using InterpEval.Harness.Cli;

namespace InterpEval.Harness.Runs;

public sealed class OutputLock : IDisposable
{
    public const string FileName = ".interp-eval.lock";

    private readonly FileStream _stream;

    private OutputLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the folder's lock (creating the folder), or throws UsageException naming the run that holds it.</summary>
    public static OutputLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            byte[] pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.Write(pid);
            stream.Flush();
            return new OutputLock(stream);
        }
        catch (IOException)
        {
            throw new UsageException($"{directory}: another interp-eval run{Holder(path)} is writing this output folder — wait for it or give another --out");
        }
    }

    private static string Holder(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            return int.TryParse(text.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? $" (process {pid})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Dispose() => _stream.Dispose();
}
