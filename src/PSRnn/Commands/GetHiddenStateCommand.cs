using System.Management.Automation;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;

namespace PSRnn.Commands;

/// <summary>Runs text through a model and returns the hidden state after every token.</summary>
[Cmdlet(VerbsCommon.Get, "HiddenState")]
[OutputType(typeof(HiddenStateStep))]
public sealed class GetHiddenStateCommand : PSRnnCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string? Text { get; set; }

    /// <summary>The state to start from (HiddenSize values, e.g. the State of an earlier step); zeros when absent.</summary>
    [Parameter]
    public float[]? InitialState { get; set; }

    protected override void ProcessRecord()
    {
        var model = Model!;
        var tokens = model.TextOptions.Tokenize(new[] { Text ?? "" });
        var indices = Engine(() => model.Encode(new[] { Text ?? "" }));
        var expected = model.NumLayers * model.HiddenSize;
        if (InitialState is not null && InitialState.Length != expected)
            Fail("InvalidInitialState", ErrorCategory.InvalidArgument,
                $"-InitialState has {InitialState.Length} values; this model's state has {expected} (NumLayers x HiddenSize).", InitialState);
        var states = Engine(() => Evaluator.HiddenStates(model, indices, InitialState), model);
        for (var t = 0; t < states.Length; t++)
            WriteObject(new HiddenStateStep(t + 1, tokens[t], states[t]));
    }
}
