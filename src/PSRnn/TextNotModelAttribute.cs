using System.Management.Automation;
using PSRnn.Engine.Models;

namespace PSRnn;

/// <summary>
/// On a [string] parameter that takes pipeline input: refuses a model. Without it PowerShell turns a
/// model piped in by mistake into its ToString() ("Fused Rnn, 16 hidden, ...") and the cmdlet runs on
/// that sentence. The binder reports the refusal as ParameterArgumentTransformationError with this
/// message; the parameter's type (and so its help and completion) stays [string].
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TextNotModelAttribute(string what, string advice) : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (Unwrap(inputData) is RnnModel || (Unwrap(inputData) is object[] items && items.Any(i => Unwrap(i) is RnnModel)))
            throw new ArgumentTransformationMetadataException(
                $"A model was given where {what} is expected. {advice}");
        return inputData;
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
