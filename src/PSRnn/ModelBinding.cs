namespace PSRnn;

/// <summary>
/// One rule for how -Model binds, in every cmdlet that takes a model: by name, by position 0, or
/// from the pipeline where the pipeline does not carry the cmdlet's text. Cmdlets whose pipeline
/// input is text (Measure-Perplexity, Invoke-RnnTraining) take the model by name or position 0 only.
/// The others (Export-RnnModel, Get-RnnPrediction, Get-HiddenState) have two parameter sets, so that
/// their second input (path, prefix, text) is positional either way: position 0 when the model is
/// piped ("$m | Export-RnnModel file") and position 1 after a positional model ("Export-RnnModel $m file").
/// One set with the model at position 0 would bind "file" to -Model when the model is piped.
/// The model-first set is the default: the binder tries its position 0 (-Model) before the other
/// set's, whose [TextNotModel] would refuse a positional model outright instead of passing it on.
/// </summary>
internal static class ModelBinding
{
    /// <summary>The model comes from the pipeline or by name; the second input is position 0.</summary>
    public const string Piped = "ModelPiped";

    /// <summary>The model is position 0; the second input is position 1.</summary>
    public const string First = "ModelFirst";
}
