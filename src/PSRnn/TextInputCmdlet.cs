using System.Management.Automation;
using PSRnn.Engine.IO;

namespace PSRnn;

/// <summary>
/// A cmdlet that reads text: strings (or files) from the pipeline, -Path with wildcards, or
/// -LiteralPath. Lines are gathered in ProcessRecord and handed over whole to <see cref="ProcessText"/>.
/// </summary>
public abstract class TextInputCmdlet : PSRnnCmdlet
{
    protected const string PipelineSet = "Pipeline";
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    private readonly List<string> lines = new();
    private bool readFile;

    /// <summary>Text lines, typically from Get-Content or Get-RnnCorpus; a FileInfo reads that file.</summary>
    [Parameter(ParameterSetName = PipelineSet, ValueFromPipeline = true)]
    [AllowEmptyString]
    public object? InputObject { get; set; }

    /// <summary>Text files to read (wildcards allowed).</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Text files to read, taken exactly as written.</summary>
    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    protected IReadOnlyList<string> Lines => lines;

    /// <summary>The cmdlet's work, once all text has been read into <see cref="Lines"/>.</summary>
    protected abstract void ProcessText();

    protected sealed override void EndProcessing()
    {
        HintIfOnlyAPath();
        ProcessText();
    }

    /// <summary>
    /// "./book.txt" | New-RnnModel reads the path string as the text (a vocabulary of its letters), and
    /// the error that follows speaks of batch sizes; when the one line given names an existing file, say so.
    /// </summary>
    private void HintIfOnlyAPath()
    {
        if (readFile || lines.Count != 1 || string.IsNullOrWhiteSpace(lines[0])) return;
        var line = lines[0].Trim();
        try
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(line, out var provider, out _);
            if (provider.Name != "FileSystem" || !File.Exists(path)) return;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSInvalidOperationException or IOException)
        {
            return; // not a path at all: ordinary text
        }
        var name = MyInvocation.MyCommand.Name;
        WriteWarning($"The only text {name} was given is one line, '{line}', which is the path of an existing file: " +
                     $"the path itself is being used as the text. To read the file, use Get-Content '{line}' | {name} ... or {name} -Path '{line}'.");
    }

    protected override void ProcessRecord()
    {
        if (Path is not null || LiteralPath is not null)
        {
            foreach (var file in ResolvePaths(Path, LiteralPath, "file")) ReadFile(file);
        }
        else if (InputObject is not null)
        {
            AddInput(InputObject);
        }
    }

    private void AddInput(object input)
    {
        switch (input is PSObject wrapped ? wrapped.BaseObject : input)
        {
            case string text:
                lines.AddRange(SplitLines(text));
                break;
            case FileInfo file:
                ReadFile(file.FullName);
                break;
            case System.Collections.IEnumerable many:
                // -InputObject @('line', 'line') arrives as one array rather than item by item.
                foreach (var item in many) AddInput(item);
                break;
            case var other:
                Fail("TextExpected", ErrorCategory.InvalidType,
                    $"{MyInvocation.MyCommand.Name} reads text, but was given a {other.GetType().Name}. " +
                    "Give strings (Get-Content, Get-RnnCorpus) or files as input; pass a model with -Model.", other);
                break;
        }
    }

    /// <summary>Reads a UTF-8 text file whole (the engine refuses what is not a regular text file).</summary>
    private void ReadFile(string path)
    {
        var read = Engine(() => TextFile.ReadLines(path, Cancellation), path);
        lines.AddRange(read);
        readFile = true;
        WriteVerbose($"Read {read.Count} line(s) from {path}.");
    }

    private static IEnumerable<string> SplitLines(string text)
    {
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line) yield return line;
    }
}
