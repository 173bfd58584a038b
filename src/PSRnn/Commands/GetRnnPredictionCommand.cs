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
        var (prefixTokens, prefix) = Engine(() => model.Read(new[] { Prefix ?? "" }));
        var sampler = new Sampler(Temperature, TopK, Seed);
        WriteVerbose($"Reading {prefix.Length} prefix tokens, then generating {Length} " +
                     (Temperature == 0 ? "greedily" : $"by sampling (temperature {Temperature}, top-k {TopK}, seed {Seed})") +
                     $"; vocabulary {model.VocabularySize}, device {model.Device}, {model.Threads} thread(s).");
        var generated = Engine(() => TextGenerator.Continue(model, prefix, Length, sampler), model);
        var tokens = generated.Select(i => model.Vocabulary[i]).ToArray();
        var text = model.TextOptions;
        var prefixText = text.Join(prefixTokens);
        // Words need a space between the prefix and what follows; characters carry their own.
        var separator = text.Tokenization == PSRnn.Engine.Text.Tokenization.Word && tokens.Length > 0 ? " " : "";
        WriteObject(new Prediction(prefixText, separator + text.Join(tokens), tokens));
    }
}
