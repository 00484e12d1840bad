// AtomicFile — writes a file a user keeps (configs, baselines, checkpoints) through a temp file in the same
// directory and a rename, so an interrupted write leaves the previous file intact.
namespace InterpEval.Interp.IO;

public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, temp => File.WriteAllText(temp, contents));

    public static void WriteAllBytes(string path, byte[] contents) =>
        Write(path, temp => File.WriteAllBytes(temp, contents));

    /// <summary>Runs write(tempPath) then renames the temp file over path; on failure removes the temp file.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
