using System.Text;
using PSRnn.Engine.Resources;

namespace PSRnn.Engine.IO;

/// <summary>Reads a user's UTF-8 text file into lines, refusing what is not one (<see cref="RegularFile"/>).</summary>
public static class TextFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's lines (a leading byte-order mark dropped); cancellation is checked as it reads.</summary>
    public static List<string> ReadLines(string path, CancellationToken cancellation = default)
    {
        path = RegularFile.FullPath(path);
        using var stream = RegularFile.OpenRead(path, FileRole.Text);
        // UTF-16 in memory takes twice the bytes, and each line is an object of its own.
        MemoryBudget.Require(() => checked(stream.Length * 4), $"Reading '{path}'", "Give a smaller file, or split it.");
        using var reader = new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var lines = new List<string>();
        try
        {
            while (reader.ReadLine() is { } line)
            {
                if (lines.Count % 1024 == 0) cancellation.ThrowIfCancellationRequested();
                if (line.Contains('\0'))
                    throw new FileException(FileProblem.InvalidText, path, $"'{path}' looks binary (it contains NUL characters). Give a plain text file.");
                lines.Add(lines.Count == 0 ? line.TrimStart('\uFEFF') : line);
            }
        }
        catch (DecoderFallbackException e)
        {
            throw new FileException(FileProblem.InvalidText, path,
                $"'{path}' is not valid UTF-8 text. Convert it to UTF-8 first (e.g. Get-Content -Encoding <yours> | Set-Content -Encoding utf8).", e);
        }
        catch (IOException e) when (e is not FileException)
        {
            throw RegularFile.ReadFailed(path, FileRole.Text, e);
        }
        return lines;
    }
}
