using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PSRnn.Engine.IO;

/// <summary>
/// Replaces a file only once its new content is complete: the content goes to a temporary file
/// beside the target (".&lt;name&gt;.&lt;pid&gt;-&lt;host&gt;.&lt;guid&gt;.tmp"), which is then renamed over it.
/// A crash or kill mid-write leaves the old file (or none), never a half-written one; the next
/// write to the same path removes temporaries left by writers that no longer run.
/// </summary>
public static class AtomicFile
{
    private static readonly string HostTag = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>
    /// Calls <paramref name="writeTemporary"/> with a temporary path to fill, then renames it over
    /// <paramref name="path"/>. I/O and permission failures come out as <see cref="AtomicWriteException"/>;
    /// the temporary file is gone either way.
    /// </summary>
    public static void Write(string path, Action<string> writeTemporary)
    {
        var temporary = TemporaryPath(path);
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteIfPresent(temporary);
            throw new AtomicWriteException(temporary, e);
        }
        catch
        {
            DeleteIfPresent(temporary);
            throw;
        }
        RemoveStaleTemporaries(path);
    }

    /// <summary>Creates and deletes an empty temporary file beside <paramref name="path"/>: can it be written at all?</summary>
    public static void Probe(string path)
    {
        var temporary = TemporaryPath(path);
        try
        {
            new FileStream(temporary, FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AtomicWriteException(temporary, e);
        }
        finally
        {
            DeleteIfPresent(temporary);
        }
    }

    private static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}-{HostTag}.{Guid.NewGuid():N}.tmp");

    private static void DeleteIfPresent(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>
    /// Deletes temporary files left beside <paramref name="path"/> by writers of this machine that no
    /// longer run (a process killed while saving cannot clean up after itself). Files of live
    /// processes, of this process and of other machines are left alone. Best effort.
    /// </summary>
    private static void RemoveStaleTemporaries(string path)
    {
        try
        {
            var name = Path.GetFileName(path);
            var pattern = new Regex($@"^\.{Regex.Escape(name)}\.(\d+)-{HostTag}\.[0-9a-f]{{32}}\.tmp$");
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, $".{name}.*.tmp"))
            {
                var match = pattern.Match(Path.GetFileName(file));
                if (match.Success && int.TryParse(match.Groups[1].Value, out var pid) && pid != Environment.ProcessId && !IsRunning(pid))
                    File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftovers are untidy, not harmful: never fail a write that succeeded because of them.
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>An atomic write failed with an I/O or permission error; the temporary file is already removed.</summary>
public sealed class AtomicWriteException(string temporaryPath, Exception inner) : IOException(inner.Message, inner)
{
    public string TemporaryPath { get; } = temporaryPath;
}
