using System.Management.Automation;
using PSRnn.Completers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Commands;

/// <summary>Loads a model saved by Export-RnnModel or a training checkpoint.</summary>
[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RnnModel))]
public sealed class ImportRnnModelCommand : PSRnnCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [TextNotModel("a file path", "Import-RnnModel reads a model file: give its path, e.g. Import-RnnModel ./model.psrnn. To save a model, use $model | Export-RnnModel ./model.psrnn.")]
    public string[]? Path { get; set; }

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>Where the model's tensors go; Auto keeps the saved device when it exists here.</summary>
    [Parameter]
    [ValidateDeviceName]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = nameof(ComputeDevice.Auto);

    protected override void ProcessRecord()
    {
        var device = ResolveDevice(Device, autoAsNull: true);
        foreach (var path in ResolvePaths(Path, LiteralPath, "model file"))
        {
            var model = Engine(() => ModelFile.Load(path, device, Cancellation), path);
            WriteVerbose($"Loaded {model} from {path}, device {model.Device}, {model.Threads} thread(s).");
            WriteObject(model);
        }
    }
}
