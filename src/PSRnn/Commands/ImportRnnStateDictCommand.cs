using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Commands;

/// <summary>Replaces a model's weights with those of a PyTorch state_dict file (torch.save of the documented torch.nn model).</summary>
[Cmdlet(VerbsData.Import, "RnnStateDict", DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(RnnModel))]
public sealed class ImportRnnStateDictCommand : PSRnnCmdlet
{
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The model whose weights are replaced: built with New-RnnModel with the options the weights were made for.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.First)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, ParameterSetName = LiteralPathSet)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ModelBinding.First)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    /// <summary>Write the model to the pipeline once its weights are replaced.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var paths = ResolvePaths(Path is null ? null : new[] { Path }, LiteralPath is null ? null : new[] { LiteralPath }, "state_dict file").ToList();
        if (paths.Count > 1)
            Fail("AmbiguousPath", ErrorCategory.InvalidArgument,
                $"'{Path}' matches {paths.Count} files, and a model takes the weights of one. Give the path of one state_dict file.", Path);
        var path = paths[0];
        Engine(() => StateDictFile.Load(Model!, path, Cancellation), path);
        WriteVerbose($"Replaced the weights of {Model} with those of {path}; its optimizer state and history were dropped.");
        if (PassThru) WriteObject(Model);
    }
}
