using System.Management.Automation;
using PSRnn.Completers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Native;
using PSRnn.Engine.Text;

namespace PSRnn.Commands;

/// <summary>Creates a recurrent language model whose vocabulary comes from text or a token list.</summary>
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

    /// <summary>Dropout between stacked layers (training only); embedding models also drop the embedding's and the top layer's outputs.</summary>
    [Parameter]
    public double Dropout { get; set; }

    /// <summary>Width of an embedding layer before the first recurrent layer; 0: one-hot input. Default: 0 for Char, 200 for Word.</summary>
    [Parameter]
    public int? EmbeddingSize { get; set; }

    /// <summary>The output layer uses the embedding matrix as its weight (needs -EmbeddingSize equal to -HiddenSize).</summary>
    [Parameter]
    public SwitchParameter TieWeights { get; set; }

    [Parameter]
    public Tokenization Tokenization { get; set; } = Tokenization.Char;

    /// <summary>D2l: letters only, lowercased. None: the text as it is, any Unicode, line breaks kept.</summary>
    [Parameter]
    public Preprocessing Preprocessing { get; set; } = Preprocessing.D2l;

    /// <summary>Tokens seen fewer times than this in the text map to &lt;unk&gt;.</summary>
    [Parameter]
    public int MinFrequency { get; set; } = 1;

    /// <summary>A token appended after every line (pytorch/examples: &lt;eos&gt;); none by default.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? LineEnd { get; set; }

    /// <summary>Seeds weight initialisation and the samplers; a random seed is drawn (and kept on the model) when absent.</summary>
    [Parameter]
    public long? Seed { get; set; }

    [Parameter]
    [ValidateDeviceName]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = nameof(ComputeDevice.Auto);

    [Parameter]
    public int Threads { get; set; } = Devices.DefaultThreads;

    /// <summary>The tokens of the vocabulary, in index order after "&lt;unk&gt;" (which is added when missing).</summary>
    [Parameter(ParameterSetName = VocabularySet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Vocabulary { get; set; }

    protected override void ProcessText()
    {
        var device = ResolveDevice(Device)!.Value;
        var textOptions = new TextOptions(Preprocessing, Tokenization, MinFrequency, LineEnd);
        var tokens = 0;
        var vocabulary = Engine(() => Vocabulary is null ? textOptions.BuildVocabulary(Lines, out tokens) : textOptions.VocabularyFromList(Vocabulary));
        var seed = Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        var embedding = EmbeddingSize ?? ModelSpec.DefaultEmbeddingSize(Tokenization == Tokenization.Word);
        var spec = new ModelSpec(CellType, Implementation, HiddenSize, vocabulary.Count, NumLayers, Dropout, embedding, TieWeights);
        var source = Vocabulary is null ? $"from {tokens} {Tokenization} tokens of text" : "from -Vocabulary";
        var input = embedding > 0 ? $"an embedding of {embedding}{(TieWeights ? " tied to the output layer" : "")}" : "one-hot input";
        WriteVerbose($"Creating a {Implementation} {CellType} ({NumLayers} layer(s) of {HiddenSize}, {input}), vocabulary {vocabulary.Count} {source}, " +
                     $"seed {seed}, device {device}, {Threads} thread(s).");
        WriteVerbose(MklVendorGate.Description);
        WriteObject(Engine(() => new RnnModel(spec, vocabulary, textOptions, seed, device, Threads), spec));
    }
}
