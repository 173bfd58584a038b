using System.Management.Automation;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;

namespace PSRnn.Commands;

/// <summary>Runs text through a model and returns the hidden state after every token.</summary>
[Cmdlet(VerbsCommon.Get, "HiddenState", DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(HiddenStateStep), typeof(float[,]))]
public sealed class GetHiddenStateCommand : PSRnnCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.First)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = ModelBinding.First)]
    [AllowEmptyString]
    [TextNotModel("text", "Pass the model with -Model and the text as a string, e.g. Get-HiddenState -Model $model -Text 'time traveller'.")]
    public string? Text { get; set; }

    /// <summary>The state to start from: every layer's state, flat (the FullState of an earlier step); zeros when absent.</summary>
    [Parameter]
    public float[]? InitialState { get; set; }

    /// <summary>Which layer to report, 0 for the first; the top layer when absent.</summary>
    [Parameter]
    public int? Layer { get; set; }

    /// <summary>Return one [steps, hidden] matrix instead of an object per step.</summary>
    [Parameter]
    public SwitchParameter AsMatrix { get; set; }

    /// <summary>With -AsMatrix: the hidden state h (default) or an LSTM's memory cell c.</summary>
    [Parameter]
    public StateComponent Component { get; set; } = StateComponent.Hidden;

    protected override void ProcessRecord()
    {
        var model = Model!;
        var layer = Layer ?? model.NumLayers - 1;
        if (layer < 0 || layer >= model.NumLayers)
            Fail("InvalidLayer", ErrorCategory.InvalidArgument, $"-Layer is {layer}: this model's layers are 0 to {model.NumLayers - 1}.", Layer);
        if (Component == StateComponent.Cell && model.CellType != CellType.Lstm)
            Fail("NoCellState", ErrorCategory.InvalidArgument, $"A {model.CellType} has no memory cell; -Component Cell needs an LSTM. Use -Component Hidden.", Component);
        var lines = new[] { Text ?? "" };
        var (tokens, indices) = Engine(() => model.ReadText(lines));
        WriteVerbose($"Tracing {indices.Length} tokens through layer {layer} of {model}, from {(InitialState is null ? "a zero state" : "-InitialState")}, " +
                     $"device {model.Device}, {model.Threads} thread(s).");
        var trace = Engine(() => Evaluator.Trace(model, indices, InitialState, Cancellation), model);
        if (AsMatrix)
        {
            var matrix = new float[trace.Steps, model.HiddenSize];
            for (var t = 0; t < trace.Steps; t++)
            {
                var row = Component == StateComponent.Cell ? trace.Cell(t, layer)! : trace.Hidden(t, layer);
                for (var j = 0; j < row.Length; j++) matrix[t, j] = row[j];
            }
            WriteObject(matrix, enumerateCollection: false);
            return;
        }
        for (var t = 0; t < trace.Steps; t++)
            WriteObject(new HiddenStateStep(t + 1, tokens[t], layer, trace.Hidden(t, layer), trace.Cell(t, layer), trace.Full(t)));
    }
}

public enum StateComponent { Hidden, Cell }
