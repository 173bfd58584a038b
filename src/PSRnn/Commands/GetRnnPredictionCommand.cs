using System.Management.Automation;
using System.Text;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;

namespace PSRnn.Commands;

/// <summary>Generates text after a prefix by repeatedly taking the most likely next token (d2l's predict).</summary>
[Cmdlet(VerbsCommon.Get, "RnnPrediction", DefaultParameterSetName = ModelBinding.First)]
[OutputType(typeof(Prediction))]
public sealed class GetRnnPredictionCommand : PSRnnCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ModelBinding.First)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ModelBinding.Piped)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = ModelBinding.First)]
    [AllowEmptyString]
    [TextNotModel("a prefix", "Pass the model with -Model and the prefix as a string, e.g. Get-RnnPrediction -Model $model -Prefix 'time traveller'.")]
    public string? Prefix { get; set; }

    [Parameter]
    public int Length { get; set; } = 50;

    /// <summary>0 (default) always takes the most likely token, as d2l's predict; higher values sample more freely.</summary>
    [Parameter]
    public double Temperature { get; set; }

    /// <summary>When sampling, choose only among the K most likely tokens (0: all).</summary>
    [Parameter]
    public int TopK { get; set; }

    /// <summary>Seeds the sampling, so a prediction with Temperature above 0 can be repeated.</summary>
    [Parameter]
    public int Seed { get; set; }

    protected override void ProcessRecord()
    {
        var model = Model!;
        if (Length < 0)
            Fail("InvalidLength", ErrorCategory.InvalidArgument, $"-Length is {Length}: give the number of tokens to generate, 0 or more.", Length);
        var prefix = Engine(() => model.ReadText(new[] { Prefix ?? "" }, asPrompt: true));
        var options = new GenerationOptions(Temperature, TopK, Seed);
        WriteVerbose($"Reading {prefix.Indices.Length} prefix tokens, then generating {Length} " +
                     (Temperature == 0 ? "greedily" : $"by sampling (temperature {Temperature}, top-k {TopK}, seed {Seed})") +
                     $"; vocabulary {model.VocabularySize}, device {model.Device}, {model.Threads} thread(s).");
        var text = model.TextOptions;
        var words = text.Tokenization == Tokenization.Word;
        var tokens = new List<string>();
        var generated = new StringBuilder();
        Engine(() => TextGenerator.Generate(model, prefix.Indices, Length, options, index =>
        {
            var token = model.Vocabulary[index];
            // Words need a space between the prefix and what follows, and between each other; characters carry their own.
            if (words) generated.Append(' ');
            generated.Append(token);
            tokens.Add(token);
        }, Cancellation), model);
        WriteObject(new Prediction(text.Join(prefix.Tokens), generated.ToString(), tokens.ToArray()));
    }
}
