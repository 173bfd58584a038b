using System.Management.Automation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Plotting;

namespace PSRnn.Commands;

/// <summary>
/// Draws epoch records from the pipeline as curves (perplexity against epoch, train and
/// validation dashed in the same colour) into a PNG or SVG file, one colour per value of -GroupBy.
/// </summary>
[Cmdlet(VerbsData.Export, "RnnPlot", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnPlotCommand : PSRnnCmdlet
{
    private readonly List<PSObject> records = new();

    /// <summary>Epoch records (Invoke-RnnTraining output, or the same columns back from Import-Csv).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>The file to write; .png or .svg chooses the format.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Properties whose values split the records into curves (e.g. Sampling, StateReset).</summary>
    [Parameter]
    public string[]? GroupBy { get; set; }

    /// <summary>The figure to plot: Perplexity (default) or Loss; its validation twin is drawn dashed (lighter in SVG) when present.</summary>
    [Parameter]
    [ValidateSet("Perplexity", "Loss")]
    public string Property { get; set; } = "Perplexity";

    [Parameter]
    [ValidateRange(100, 10000)]
    public int Width { get; set; } = 800;

    [Parameter]
    [ValidateRange(100, 10000)]
    public int Height { get; set; } = 500;

    [Parameter]
    public string? Title { get; set; }

    /// <summary>A logarithmic y axis: perplexity spans decades early in training.</summary>
    [Parameter]
    public SwitchParameter LogScale { get; set; }

    /// <summary>Do not replace an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null) records.Add(InputObject);
    }

    protected override void EndProcessing()
    {
        var path = FileSystemPath(Path!);
        try
        {
            CurvePlot.FormatOf(path);
        }
        catch (ArgumentException e)
        {
            Fail("UnsupportedPlotFormat", ErrorCategory.InvalidArgument, e.Message.Split(" (Parameter")[0], path, e);
        }
        if (records.Count == 0)
            Fail("NothingToPlot", ErrorCategory.InvalidData, "No records reached Export-RnnPlot. Pipe Invoke-RnnTraining's output (or Import-Csv of it) into it.");
        if (NoClobber && RegularFile.Exists(path))
            Fail("FileExists", ErrorCategory.ResourceExists, $"'{path}' already exists. Leave out -NoClobber to replace it, or choose another path.", path);
        var series = EpochCurves.From(records, Property, GroupBy ?? Array.Empty<string>(), out var problem);
        if (problem is not null) Fail("InvalidPlotInput", ErrorCategory.InvalidData, problem, records[0]);
        if (!ShouldProcess(path, "Write plot")) return;
        var title = Title ?? (GroupBy is { Length: > 0 } ? $"{Property} by {string.Join("/", GroupBy)}" : Property);
        path = Engine(() => CurvePlot.Save(series, path, Width, Height, title, Property, LogScale), path);
        WriteVerbose($"Wrote {series.Count} curve(s) to {path} ({Width}x{Height}).");
        if (PassThru) WriteObject(InvokeProvider.Item.Get(path), enumerateCollection: true);
    }
}
