using System.Management.Automation;
using PSRnn.Completers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;

namespace PSRnn.Commands;

/// <summary>Creates a character-level recurrent language model whose vocabulary comes from text or a token list.</summary>
[Cmdlet(VerbsCommon.New, "RnnModel", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(RnnModel))]
public sealed class NewRnnModelCommand : TextInputCmdlet
{
    private const string VocabularySet = "Vocabulary";

    [Parameter]
    public CellType CellType { get; set; } = CellType.Rnn;

    [Parameter]
    public Implementation Implementation { get; set; } = Implementation.Fused;

    [Parameter]
    public int HiddenSize { get; set; } = 256;

    [Parameter]
    public int NumLayers { get; set; } = 1;

    /// <summary>Dropout between stacked layers (training only); needs NumLayers of 2 or more to matter.</summary>
    [Parameter]
    public double Dropout { get; set; }

    [Parameter]
    public Tokenization Tokenization { get; set; } = Tokenization.Char;

    /// <summary>D2l: letters only, lowercased. None: the text as it is, any Unicode, line breaks kept.</summary>
    [Parameter]
    public Preprocessing Preprocessing { get; set; } = Preprocessing.D2l;

    /// <summary>Tokens seen fewer times than this in the text map to &lt;unk&gt;.</summary>
    [Parameter]
    public int MinFrequency { get; set; } = 1;

    /// <summary>Seeds weight initialisation and the samplers; a random seed is drawn (and kept on the model) when absent.</summary>
    [Parameter]
    public long? Seed { get; set; }

    [Parameter]
    [ValidateDeviceName]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = nameof(DeviceChoice.Auto);

    [Parameter]
    public int Threads { get; set; } = Devices.DefaultThreads;

    /// <summary>The tokens of the vocabulary, in index order after "&lt;unk&gt;" (which is added when missing).</summary>
    [Parameter(ParameterSetName = VocabularySet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Vocabulary { get; set; }

    protected override void EndProcessing()
    {
        if (Threads <= 0 || Threads > Environment.ProcessorCount)
            Fail("InvalidHyperparameter", ErrorCategory.InvalidArgument, $"Threads is {Threads}: give a number from 1 to {Environment.ProcessorCount} (this machine's processors).", Threads);
        if (MinFrequency <= 0)
            Fail("InvalidHyperparameter", ErrorCategory.InvalidArgument, $"MinFrequency is {MinFrequency}: give a whole number of 1 or more.", MinFrequency);
        var device = ResolveDevice(Device)!;
        var textOptions = new TextOptions(Preprocessing, Tokenization, MinFrequency);
        var vocabulary = BuildVocabulary(textOptions);
        var seed = Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        var spec = new ModelSpec(CellType, Implementation, HiddenSize, vocabulary.Count, NumLayers, Dropout);
        Engine(spec.Validate, spec);
        var source = Vocabulary is null ? $"from {textTokens} {Tokenization} tokens of text" : "from -Vocabulary";
        WriteVerbose($"Creating a {Implementation} {CellType} ({NumLayers} layer(s) of {HiddenSize}), vocabulary {vocabulary.Count} {source}, " +
                     $"seed {seed}, device {(device.type == TorchSharp.DeviceType.CUDA ? "Cuda" : "Cpu")}, {Threads} thread(s).");
        WriteObject(Engine(() => new RnnModel(spec, vocabulary, textOptions, seed, device, Threads)));
    }

    private int textTokens;

    private Vocabulary BuildVocabulary(TextOptions textOptions)
    {
        if (Vocabulary is not null)
        {
            var tokens = Vocabulary.Where(t => t != PSRnn.Engine.Text.Vocabulary.Unknown).ToList();
            if (tokens.Distinct(StringComparer.Ordinal).Count() != tokens.Count)
                Fail("InvalidVocabulary", ErrorCategory.InvalidArgument, "-Vocabulary lists a token twice. Give each token once.", Vocabulary);
            return new Vocabulary(tokens.Prepend(PSRnn.Engine.Text.Vocabulary.Unknown));
        }
        var corpus = textOptions.Tokenize(Lines);
        textTokens = corpus.Count;
        if (corpus.Count == 0)
            Fail("EmptyText", ErrorCategory.InvalidData,
                "There is no text to build a vocabulary from (after preprocessing, nothing is left). Pipe the training text in, e.g. Get-RnnCorpus -Name TimeMachine | New-RnnModel, or give -Vocabulary.");
        var built = PSRnn.Engine.Text.Vocabulary.Build(corpus, MinFrequency);
        if (built.Count < 2)
            Fail("InvalidHyperparameter", ErrorCategory.InvalidArgument,
                $"MinFrequency is {MinFrequency}: no token occurs that often in the text, so the vocabulary would hold only <unk>. Lower -MinFrequency or give more text.", MinFrequency);
        return built;
    }
}
