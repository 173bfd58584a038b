using System.Management.Automation;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;

namespace PSRnn.Commands;

/// <summary>Generates text after a prefix by repeatedly taking the most likely next token (d2l's predict).</summary>
[Cmdlet(VerbsCommon.Get, "RnnPrediction")]
[OutputType(typeof(Prediction))]
public sealed class GetRnnPredictionCommand : PSRnnCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string? Prefix { get; set; }

    [Parameter]
    public int Length { get; set; } = 50;

    protected override void ProcessRecord()
    {
        var model = Model!;
        if (Length < 0)
            Fail("InvalidLength", ErrorCategory.InvalidArgument, $"-Length is {Length}: give the number of tokens to generate, 0 or more.", Length);
        var prefix = Engine(() => model.Encode(new[] { Prefix ?? "" }));
        var generated = Engine(() => Evaluator.Greedy(model, prefix, Length), model);
        var tokens = generated.Select(i => model.Vocabulary[i]).ToArray();
        var preprocessed = model.TextOptions.Tokenize(new[] { Prefix ?? "" });
        WriteObject(new Prediction(string.Concat(preprocessed), string.Concat(tokens), tokens));
    }
}
