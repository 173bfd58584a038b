using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>Longest file name, in UTF-8 bytes, that Linux (NAME_MAX) and Windows file systems take.</summary>
    private const int NameMax = 255;
    private const int HostTagLength = 16;

    private static readonly string HostTag =
        new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(HostTagLength).ToArray());

    /// <summary>
    /// Calls <paramref name="writeTemporary"/> with a temporary path to fill, then renames it over the
    /// target (<see cref="RegularFile.WriteTarget"/>: links followed, only regular files replaced).
    /// Every failure is a <see cref="FileException"/> naming the target; the temporary file is gone either way.
    /// Returns the path written.
    /// </summary>
    public static string Write(string path, FileRole role, Action<string> writeTemporary)
    {
        path = RegularFile.WriteTarget(path, role);
        var temporary = TemporaryPath(path);
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteIfPresent(temporary);
            throw WriteFailed(path, temporary, e);
        }
        catch
        {
            DeleteIfPresent(temporary);
            throw;
        }
        RemoveStaleTemporaries(path);
        return path;
    }

    /// <summary>Checks the target, then creates and deletes an empty temporary file beside it: can it be written at all?</summary>
    public static string Probe(string path, FileRole role)
    {
        path = RegularFile.WriteTarget(path, role);
        var temporary = TemporaryPath(path);
        try
        {
            new FileStream(temporary, FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(path, temporary, e);
        }
        finally
        {
            DeleteIfPresent(temporary);
        }
        return path;
    }

    private static FileException WriteFailed(string path, string temporary, Exception e)
    {
        if (e is FileException known) return known;
        var folder = Path.GetDirectoryName(path)!;
        // The temporary file's name means nothing to the user: speak of the target and its folder.
        var reason = e.Message.Replace(temporary, path);
        var advice = e is UnauthorizedAccessException
            ? $"PSRnn may not write in '{folder}'. Choose a folder you can write to, or change its permissions."
            : $"Check that '{folder}' is a writable folder with free space, or choose another path.";
        return new FileException(FileProblem.WriteFailed, path, $"Could not write '{path}': {reason} {advice}", e);
    }

    /// <summary>A temporary name beside <paramref name="path"/> that fits NAME_MAX however long the target's name is.</summary>
    internal static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Stem(Path.GetFileName(path))}.{Environment.ProcessId}-{HostTag}.{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// The target's name, or for a name too long to take the temporary suffix, its start and a hash of
    /// the whole name (so that two long names with the same start keep apart).
    /// </summary>
    private static string Stem(string name)
    {
        // ".", stem, ".", pid (<= 10 digits), "-", host tag, ".", 32 hex digits, ".tmp"
        var room = NameMax - (1 + 1 + 10 + 1 + HostTagLength + 1 + 32 + 4);
        if (Encoding.UTF8.GetByteCount(name) <= room) return name;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12].ToLowerInvariant();
        var keep = new StringBuilder();
        foreach (var rune in name.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(keep.ToString()) + rune.Utf8SequenceLength + 1 + hash.Length > room) break;
            keep.Append(rune.ToString());
        }
        return $"{keep}~{hash}";
    }

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
            var stem = Stem(Path.GetFileName(path));
            var pattern = new Regex($@"^\.{Regex.Escape(stem)}\.(\d+)-{Regex.Escape(HostTag)}\.[0-9a-f]{{32}}\.tmp$");
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, $".{stem}.*.tmp"))
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
