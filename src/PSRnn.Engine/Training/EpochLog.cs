using System.Globalization;
using System.Reflection;
using System.Text;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Training;

/// <summary>
/// An epoch log (-LogPath): one CSV row per completed epoch, appended and flushed as the epoch ends,
/// so that Get-Content -Wait shows it at once (Export-Csv at the end of a pipeline buffers its
/// output). The columns are the <see cref="EpochRecord"/>'s properties with Export-Csv's quoting, so
/// Import-Csv reads it and a log of several runs shares one header. The file is only ever appended
/// to; an existing file with other columns is refused before training and left as it is.
/// </summary>
public sealed class EpochLog : IDisposable
{
    public static FileRole Role { get; } = new("log", "run.csv", "Give a file path for the log, e.g. '{0}/run.csv'.");

    private static readonly PropertyInfo[] Columns = typeof(EpochRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>The header line: every column name, quoted.</summary>
    public static string Header { get; } = string.Join(",", Columns.Select(c => Quote(c.Name)));

    private readonly FileStream stream;
    private readonly StreamWriter writer;

    private EpochLog(string path, FileStream stream)
    {
        Path = path;
        this.stream = stream;
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    /// <summary>The log's full path (a symbolic link followed).</summary>
    public string Path { get; }

    /// <summary>The file a log at <paramref name="path"/> would write: the full path, a symbolic link followed.</summary>
    public static string Target(string path) => RegularFile.WriteTarget(path, Role);

    /// <summary>
    /// Opens the log for appending: a new or empty file gets the header; an existing log must have
    /// the same header (a CSV of other columns, or any other file, is refused with FileProblem.AlreadyExists).
    /// </summary>
    public static EpochLog Open(string path)
    {
        path = Target(path);
        FileStream stream;
        try
        {
            // Others may read it while it grows (Get-Content -Wait, Import-Csv).
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileException(FileProblem.WriteFailed, path,
                $"Could not write the log '{path}': {e.Message.TrimEnd('.')}. Choose a folder you can write to, or another -LogPath.", e);
        }
        try
        {
            var log = new EpochLog(path, stream);
            log.StartOrContinue();
            return log;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void StartOrContinue()
    {
        if (stream.Length == 0)
        {
            writer.WriteLine(Header);
            Flush();
            return;
        }
        var first = ReadFirstLine();
        if (first != Header)
            throw new FileException(FileProblem.AlreadyExists, Path,
                $"'{Path}' already exists and is not a PSRnn epoch log with the same columns, so it is left as it is. " +
                "Give a new -LogPath, or remove the file first.");
        // A log cut off in the middle of a row (a crash) gets its own line break before the next row.
        stream.Seek(-1, SeekOrigin.End);
        var last = stream.ReadByte();
        if (last != '\n') writer.WriteLine();
    }

    private string ReadFirstLine()
    {
        stream.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[Math.Min(stream.Length, Encoding.UTF8.GetMaxByteCount(Header.Length) + 2)];
        var count = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var text = Encoding.UTF8.GetString(buffer, 0, count);
        var end = text.IndexOf('\n');
        return (end < 0 ? text : text[..end]).TrimEnd('\r');
    }

    /// <summary>Appends the epoch's row and flushes it to the operating system.</summary>
    public void Append(EpochRecord record)
    {
        try
        {
            writer.WriteLine(string.Join(",", Columns.Select(c => Quote(Format(c.GetValue(record))))));
            Flush();
        }
        catch (IOException e)
        {
            throw new FileException(FileProblem.WriteFailed, Path,
                $"Could not append epoch {record.Epoch} to the log '{Path}': {e.Message.TrimEnd('.')}. The epoch itself is complete " +
                "(the model's History holds it); free some space or choose another -LogPath.", e);
        }
    }

    private void Flush()
    {
        writer.Flush();
        stream.Flush();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string field) => "\"" + field.Replace("\"", "\"\"") + "\"";

    public void Dispose() => writer.Dispose();
}
