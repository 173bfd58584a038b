using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn;

/// <summary>
/// The shell of the cmdlets that write a model to a file (Export-RnnModel, Export-RnnStateDict): -Model
/// by the one binding rule, -Path, -Force, -PassThru and ShouldProcess; the derived cmdlet says what it
/// writes and how.
/// </summary>
public abstract class ModelWriterCmdlet : PSRnnCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.First)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ModelBinding.First)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replace an existing file of the kind written at the path (never a file of another kind).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the saved file's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>What the file is, for ShouldProcess: "model file", "PyTorch state_dict file".</summary>
    protected abstract string FileKind { get; }

    /// <summary>Writes the file by the engine's rules; returns the path written (a link followed).</summary>
    protected abstract string Write(RnnModel model, string path, WriteRule rule);

    protected abstract string Described(RnnModel model, string path);

    protected override void ProcessRecord()
    {
        var path = FileSystemPath(Path!);
        if (!ShouldProcess(path, (File.Exists(path) ? "Replace " : "Write ") + FileKind)) return;
        path = Engine(() => Write(Model!, path, Force ? WriteRule.ReplaceModelFile : WriteRule.CreateNew), path);
        WriteVerbose(Described(Model!, path));
        if (PassThru) WriteObject(InvokeProvider.Item.Get(path), enumerateCollection: true);
    }
}
