using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Commands;

/// <summary>Saves a model's weights as a PyTorch state_dict file (torch.load reads it), atomically.</summary>
[Cmdlet(VerbsData.Export, "RnnStateDict", SupportsShouldProcess = true, DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnStateDictCommand : PSRnnCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.First)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ModelBinding.First)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replace an existing state_dict file at the path (never a file of another kind).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the saved file's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var path = FileSystemPath(Path!);
        if (!ShouldProcess(path, File.Exists(path) ? "Replace PyTorch state_dict file" : "Write PyTorch state_dict file")) return;
        path = Engine(() => StateDictFile.Save(Model!, path, Force ? WriteRule.ReplaceModelFile : WriteRule.CreateNew), path);
        WriteVerbose($"Wrote the weights of {Model} to {path} as a PyTorch state_dict.");
        if (PassThru) WriteObject(InvokeProvider.Item.Get(path), enumerateCollection: true);
    }
}
