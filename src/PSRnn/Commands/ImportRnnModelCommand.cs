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
    public string Device { get; set; } = nameof(DeviceChoice.Auto);

    protected override void ProcessRecord()
    {
        var choice = ValidateDeviceNameAttribute.Parse(Device)!.Value;
        var device = choice == DeviceChoice.Auto ? null : DeviceSelector.Resolve(choice);
        if (choice == DeviceChoice.Cuda && device is null)
            Fail("CudaUnavailable", ErrorCategory.ResourceUnavailable, "CUDA is not available here. Use -Device Cpu or Auto.", Device);
        foreach (var path in Resolve())
        {
            var model = Engine(() => ModelFile.Load(path, device), path);
            WriteVerbose($"Loaded {model} from {path}, device {model.Device}, {model.Threads} thread(s).");
            WriteObject(model);
        }
    }

    private IEnumerable<string> Resolve()
    {
        if (LiteralPath is not null) return LiteralPath.Select(p => GetUnresolvedProviderPathFromPSPath(p));
        var paths = new List<string>();
        foreach (var pattern in Path!)
        {
            try
            {
                var resolved = GetResolvedProviderPathFromPSPath(pattern, out _);
                // A wildcard that matches nothing resolves to an empty list, not an error: say so rather than return nothing.
                if (resolved.Count == 0)
                    Fail("FileNotFound", ErrorCategory.ObjectNotFound, $"No model file matches '{pattern}'. Check the path and the wildcard.", pattern);
                paths.AddRange(resolved);
            }
            catch (ItemNotFoundException e)
            {
                Fail("FileNotFound", ErrorCategory.ObjectNotFound, $"No model file matches '{pattern}'. Check the path.", pattern, e);
            }
        }
        return paths;
    }
}
