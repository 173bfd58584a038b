using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Commands;

/// <summary>Saves a model (weights, vocabulary, history, optimizer state) to one file, atomically.</summary>
[Cmdlet(VerbsData.Export, "RnnModel", SupportsShouldProcess = true, DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnModelCommand : ModelWriterCmdlet
{
    protected override string FileKind => "model file";

    protected override string Write(RnnModel model, string path, WriteRule rule) => ModelFile.Save(model, path, rule);

    protected override string Described(RnnModel model, string path) => $"Wrote {model} to {path}.";
}
