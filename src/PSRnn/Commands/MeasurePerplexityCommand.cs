using System.Management.Automation;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;

namespace PSRnn.Commands;

/// <summary>Measures a model's perplexity on text: exp of the mean next-token cross-entropy.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "Perplexity", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(PerplexityResult))]
public sealed class MeasurePerplexityCommand : TextInputCmdlet
{
    /// <summary>By name or position 0: the pipeline carries the text (<see cref="ModelBinding"/>).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    protected override void ProcessText()
    {
        var model = Model!;
        var tokens = Engine(() => model.ReadText(Lines).Indices);
        WriteVerbose($"Evaluating {tokens.Length} tokens (vocabulary {model.VocabularySize}), device {model.Device}, {model.Threads} thread(s).");
        WriteObject(Engine(() => Evaluator.Perplexity(model, tokens, Cancellation), model));
    }
}
