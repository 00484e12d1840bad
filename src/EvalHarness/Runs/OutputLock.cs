// OutputLock — one writer per output folder: `run` and `eval` hold <out>/.interp-eval.lock (an exclusive lock, which
// .NET takes with flock on Unix, so the kernel drops it when the process dies, even by SIGKILL) from the moment the
// config is valid until they exit. A second run on the same folder is refused at once with one line instead of
// interleaving its result files with the first's. The file itself stays (deleting it would race with a newcomer).
using System.Globalization;
using InterpEval.Harness.Tool;

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
            throw new UsageException($"{directory}: another interp-eval run is writing this output folder (its process id is in {FileName}) — wait for it or give another --out");
        }
    }

    public void Dispose() => _stream.Dispose();
}
