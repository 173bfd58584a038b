using System.Management.Automation;
using System.Text;

namespace PSRnn;

/// <summary>
/// A cmdlet that reads text: strings (or files) from the pipeline, -Path with wildcards, or
/// -LiteralPath. Lines are gathered in ProcessRecord and handed over whole in EndProcessing.
/// </summary>
public abstract class TextInputCmdlet : PSRnnCmdlet
{
    protected const string PipelineSet = "Pipeline";
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<string> lines = new();

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

    /// <summary>Reads a UTF-8 text file whole, refusing folders, binary files and invalid UTF-8.</summary>
    private void ReadFile(string path)
    {
        if (Directory.Exists(path))
            Fail("PathIsDirectory", ErrorCategory.InvalidArgument, $"'{path}' is a folder. Give a text file, or pipe the folder's files: Get-ChildItem '{path}' -File | ...", path);
        if (!File.Exists(path))
            Fail("FileNotFound", ErrorCategory.ObjectNotFound, $"The file '{path}' does not exist. Check the path.", path);
        string text;
        try
        {
            text = StrictUtf8.GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException e)
        {
            Fail("InvalidTextFile", ErrorCategory.InvalidData, $"'{path}' is not valid UTF-8 text. Convert it to UTF-8 first (e.g. Get-Content -Encoding <yours> | Set-Content -Encoding utf8).", path, e);
            return;
        }
        if (text.Contains('\0'))
            Fail("InvalidTextFile", ErrorCategory.InvalidData, $"'{path}' looks binary (it contains NUL characters). Give a plain text file.", path);
        var before = lines.Count;
        lines.AddRange(SplitLines(text.TrimStart('\uFEFF')));
        WriteVerbose($"Read {lines.Count - before} line(s) from {path}.");
    }

    private static IEnumerable<string> SplitLines(string text)
    {
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line) yield return line;
    }
}
