using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Commands;

/// <summary>Saves a model's weights as a PyTorch state_dict file (torch.load reads it), atomically.</summary>
[Cmdlet(VerbsData.Export, "RnnStateDict", SupportsShouldProcess = true, DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnStateDictCommand : ModelWriterCmdlet
{
    protected override string FileKind => "PyTorch state_dict file";

    protected override string Write(RnnModel model, string path, WriteRule rule) => StateDictFile.Save(model, path, rule);

    protected override string Described(RnnModel model, string path) => $"Wrote the weights of {model} to {path} as a PyTorch state_dict.";
}
